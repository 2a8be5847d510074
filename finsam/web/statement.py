"""The accessibility statement (tillgänglighetsredogörelse) that lagen (2018:1937) om tillgänglighet till
digital offentlig service asks for, in the structure of DIGG's model statement: whose service, how accessible
it is, what is known not to meet the standard, how to report a problem and where to complain, how it was
tested. Shown on the page Tillgänglighet (pages/tillganglighet.py), reachable before sign-in."""
from __future__ import annotations

from finsam import config

TESTED = "2026-12-02"  # the day the checks below were last run by hand and in the tests

SV = """\
# Tillgänglighetsredogörelse för finsam

Samordningsförbunden som använder finsam står bakom den här webbplatsen. Vi vill att så många som möjligt
ska kunna använda den. Här beskriver vi hur finsam uppfyller lagen (2018:1937) om tillgänglighet till
digital offentlig service, kända tillgänglighetsproblem och hur du kan rapportera brister till oss så att
vi kan åtgärda dem.

## Hur tillgänglig är webbplatsen?
Webbplatsen är **delvis förenlig** med lagen om tillgänglighet till digital offentlig service, på grund av
de brister som beskrivs nedan. Målet är WCAG 2.1 nivå AA (EN 301 549).

## Vad händer om du inte kan använda delar av webbplatsen?
Om du behöver innehåll från finsam som inte är tillgängligt för dig, till exempel ett diagram som tabell
eller ett styrelseunderlag i ett annat format, kontakta oss: **{contact}**. Varje diagram har redan en
tabell och en textbeskrivning direkt under sig, och tabellen kan laddas ner som CSV eller Excel.

## Rapportera brister i webbplatsens tillgänglighet
Vi strävar efter att finsam ska vara tillgänglig. Om du upptäcker problem som inte beskrivs här, eller om
du anser att vi inte uppfyller lagens krav, meddela oss: **{contact}**. Då vet vi att problemet finns.

## Tillsyn
Myndigheten för digital förvaltning (DIGG) har ansvaret för tillsyn av lagen om tillgänglighet till
digital offentlig service. Om du inte är nöjd med hur vi hanterar dina synpunkter kan du kontakta DIGG och
påtala det (digg.se/tillsyn-och-anmalan).

## Innehåll som inte är tillgängligt
Det här känner vi till som inte helt uppfyller kraven:

- **Diagrammens verktygsrad** (zooma, panorera, markera) kräver mus. Samma innehåll finns som tabell under
  varje diagram, och diagrammet kan laddas ner som PNG eller SVG med tangentbordet (1.1.1, 2.1.1).
- **Enskilda staplar och punkter** i ett diagram nås inte med tangentbordet och läses inte upp av en
  skärmläsare; textbeskrivningen och tabellen under diagrammet ger samma siffror (1.1.1, 2.1.1).
- **Värmekartor** visar värden med färg; värdet står också i rutan och i tabellen (1.4.1).
- **Diagram med många serier** (till exempel tolv kommuner i en linje) går inte att hålla isär bara med
  färg vid alla typer av färgblindhet; seriens namn står då vid linjen eller i tabellen (1.4.1).
- **Exporterade PDF-filer** har titel, språk och bokmärken per avsnitt men är inte fullt taggade
  (PDF/UA); PowerPoint-filen har alternativtext på alla bilder (1.3.1).
- **Streamlits egna komponenter** (rullgardinsmenyer, skjutreglage) kommer från ramverket; de har
  testats med tangentbord men inte med alla skärmläsare.

## Hur vi testat webbplatsen
Vi har själva granskat finsam. Senaste granskningen gjordes {tested}:

- **Automatisk kontroll** med axe-core (reglerna för WCAG 2.0 och 2.1, nivå A och AA) av alla sidor, på
  svenska och engelska, utan inloggning och inloggad, i presentationsläget och på inloggningssidan. Den
  körs i de automatiska testerna, så att en försämring stoppar en ny version.
- **Tangentbord**: ett automatiskt test går en styrelseledamots väg utan mus (öppna en sida, välj förbund
  och år, öppna ett diagrams tabell, ladda ner den, starta presentationen och bläddra), med synligt fokus.
- **Färgseende**: diagrammens färgpaletter har prövats i en simulering av deuteranopi, protanopi och
  tritanopi (avstånd i CAM02-UCS), och text i staplar har kontrast minst 4,5:1.
- **Exporter**: bilder i PowerPoint har alternativtext, tabellernas rubrikrader är markerade, PDF:en har
  titel, språk (sv) och bokmärken.

Redogörelsen uppdaterades senast {tested}.
"""

EN = """\
# Accessibility statement for finsam

The coordination associations that use finsam are responsible for this website. We want as many people
as possible to be able to use it. This statement describes how finsam meets the Swedish act (2018:1937) on
accessibility of digital public services, the accessibility problems we know of, and how to report
shortcomings so that we can fix them.

## How accessible is the website?
The website is **partially compliant** with the act on accessibility of digital public services, because of
the shortcomings described below. The target is WCAG 2.1 level AA (EN 301 549).

## What if you cannot use parts of the website?
If you need content from finsam that is not accessible to you, for example a chart as a table or a board
pack in another format, contact us: **{contact}**. Every chart already has a table and a text description
right below it, and the table can be downloaded as CSV or Excel.

## Report accessibility problems
If you find problems not described here, or think we do not meet the requirements of the act, tell us:
**{contact}**.

## Enforcement
The Agency for Digital Government (DIGG) supervises the act. If you are not satisfied with how we handle
your report, you can contact DIGG (digg.se/tillsyn-och-anmalan).

## Content that is not accessible
What we know does not fully meet the requirements:

- **The charts' toolbar** (zoom, pan, select) needs a mouse. The same content is in the table under each
  chart, and the chart can be downloaded as PNG or SVG with the keyboard (1.1.1, 2.1.1).
- **Single bars and points** in a chart cannot be reached with the keyboard or read by a screen reader;
  the text description and the table under the chart give the same figures (1.1.1, 2.1.1).
- **Heatmaps** show values by colour; the value is also written in the cell and in the table (1.4.1).
- **Charts with many series** (for example twelve municipalities as lines) cannot be told apart by colour
  alone under every colour-vision deficiency; the series' name is then at the line or in the table (1.4.1).
- **Exported PDF files** have a title, language and bookmarks per section but are not fully tagged
  (PDF/UA); the PowerPoint file has alternative text on every image (1.3.1).
- **Streamlit's own components** (drop-downs, sliders) come from the framework; they have been tested
  with the keyboard, not with every screen reader.

## How we tested the website
We reviewed finsam ourselves. The latest review was made on {tested}:

- **Automated check** with axe-core (the WCAG 2.0 and 2.1 A and AA rules) of every page, in Swedish and
  English, signed out and signed in, in presentation mode and on the sign-in page. It runs in the
  automated tests, so a regression stops a new version.
- **Keyboard**: an automated test walks a board member's path without the mouse (open a page, choose an
  association and a year, open a chart's table, download it, start the presentation and step through it),
  with the focus visible.
- **Colour vision**: the charts' palettes were checked in a simulation of deuteranopia, protanopia and
  tritanopia (distance in CAM02-UCS), and text inside bars has a contrast of at least 4.5:1.
- **Exports**: images in the PowerPoint file have alternative text, table header rows are marked, the PDF
  has a title, language (sv) and bookmarks.

The statement was last updated on {tested}.
"""


def contact() -> str:
    """Where to report a problem (FINSAM_ACCESSIBILITY_CONTACT), an address or a sentence."""
    return config.setting("FINSAM_ACCESSIBILITY_CONTACT")


def text(lang: str) -> str:
    return (EN if lang == "en" else SV).format(contact=contact(), tested=TESTED)
