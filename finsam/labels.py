"""Words the interface shows, in Swedish and English, and Swedish number formatting.

Axis labels and table headers come from column names through COLUMNS; category labels (municipalities
aside) from the code lists in the database; interface sentences from TEXT.
"""
from __future__ import annotations

import math

import pandas as pd

SUPPRESSED = ".."  # hidden by the small-count protection
MISSING = "–"  # no such figure (no row, nothing to divide by): not a suppressed one
_WORDS: dict[str, tuple[str, str]] = {}

COLUMNS: dict[str, tuple[str, str]] = {
    "year": ("År", "Year"),
    "participations": ("Deltagare", "Participants"),
    "participants": ("Deltagare", "Participants"),
    "participants_total": ("Deltagare totalt", "Participants in all"),
    "registered": ("Registrerade", "Registered"),
    "anonymous": ("Anonyma", "Anonymous"),
    "new": ("Nya", "New"),
    "ended": ("Avslutade", "Ended"),
    "ongoing": ("Pågående vid årets slut", "Ongoing at year end"),
    "persons": ("Unika personer", "Unique persons"),
    "share_pct": ("Andel (%)", "Share (%)"),
    "population_share_pct": ("Andel av befolkningen (%)", "Share of population (%)"),
    "gender": ("Kön", "Gender"),
    "referral_source": ("Remittent", "Referral source"),
    "municipality_name": ("Kommun", "Municipality"),
    "municipality_code": ("Kommunkod", "Municipality code"),
    "association_id": ("Förbund", "Association"),
    "intervention_id": ("Insats", "Intervention"),
    "exit_reason": ("Avslutsanledning", "Exit reason"),
    "assignment": ("Uppdrag", "Assignment"),
    "mean_days": ("Medeltid (dagar)", "Mean (days)"),
    "median_days": ("Mediantid (dagar)", "Median (days)"),
    "mean_months": ("Medeltid (månader)", "Mean (months)"),
    "band": ("Tid i insats", "Time in intervention"),
    "positive": ("Med positiv stegförflyttning", "With a positive step"),
    "horizon": ("Uppföljning", "Follow-up"),
    "kept": ("Behållit", "Kept"),
    "not_kept": ("Ej behållit", "Not kept"),
    "no_answer": ("Ej svar", "No answer"),
    "due": ("I urvalet", "In the sample"),
    "retained_share_pct": ("Behållit stegförflyttningen (%)", "Kept the step (%)"),
    "response_rate_pct": ("Svarsfrekvens (%)", "Response rate (%)"),
    "measure": ("Mått", "Measure"),
    "value": ("Värde", "Value"),
    "published": ("Publicerat", "Published"),
    "computed": ("Beräknat", "Computed"),
    "status": ("Status", "Status"),
    "source_file": ("Rapport", "Report"),
    "section": ("Avsnitt", "Section"),
    "notes": ("Anmärkning", "Note"),
    "category": ("Kategori", "Category"),
    "dimension": ("Dimension", "Dimension"),
    "intervention": ("Insats", "Intervention"),
    "association": ("Förbund", "Association"),
    "reason": ("Förklaring", "Explanation"),
    "computed_value": ("Beräknat", "Computed"),
    "unit": ("Enhet", "Unit"),
    "women_share_pct": ("Andel kvinnor (%)", "Share of women (%)"),
    "women": ("Kvinnor", "Women"),
    "step_known": ("Avslutade med stegförflyttning angiven", "Ended with the step recorded"),
    "kept_6m": ("Behållit efter 6 månader", "Kept after 6 months"),
    "answered_6m": ("Svarat efter 6 månader", "Answered after 6 months"),
    "granted_sek": ("Beviljat (kr)", "Granted (SEK)"),
    "used_sek": ("Använt (kr)", "Used (SEK)"),
    "deviation_sek": ("Avvikelse (kr)", "Deviation (SEK)"),
    "cost_per_participant_sek": ("Kostnad per deltagare (kr)", "Cost per participant (SEK)"),
    "cost_per_positive_sek": ("Kostnad per deltagare med positiv stegförflyttning (kr)",
                              "Cost per participant with a positive step (SEK)"),
    "kind": ("Slag av insats", "Kind of intervention"),
    "question": ("Fråga", "Question"),
    "question_text": ("Fråga", "Question"),
    "timepoint": ("Mättillfälle", "Time point"),
    "answer_group": ("Svarandegrupp", "Respondent group"),
    "respondents": ("Antal svarande", "Respondents"),
    "positive_share_pct": ("Andel positiva svar (%)", "Share of positive answers (%)"),
    "positive_share_pct_answers": ("Andel positiva svar (%)", "Share of positive answers (%)"),
    "change_pct": ("Förändring från året före (%-enheter)", "Change from the year before (points)"),
    "positive_step_pct": ("Positiv stegförflyttning (%)", "Positive step (%)"),
    "retained_6m_pct": ("Behållit efter 6 mån (%)", "Kept after 6 months (%)"),
}

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("finsam – uppföljning av samordningsförbundens insatser", "finsam – follow-up of coordination associations' interventions"),
    "filters": ("Urval", "Selection"),
    "associations": ("Förbund", "Associations"),
    "years": ("År", "Years"),
    "interventions": ("Insatser", "Interventions"),
    "municipalities": ("Kommuner", "Municipalities"),
    "genders": ("Kön", "Gender"),
    "referral_sources": ("Remittenter", "Referral sources"),
    "all": ("Alla", "All"),
    "reset": ("Återställ urvalet", "Reset selection"),
    "language": ("Språk", "Language"),
    "demo_notice": ("Demodata: deltagarposterna är rekonstruerade ur publicerade årsrapporter och delvis syntetiska "
                    "(se Källor). De beskriver inga verkliga personer.",
                    "Demo data: the participant records are reconstructed from published annual reports and partly "
                    "synthetic (see Sources). They describe no real persons."),
    "empty": ("Urvalet innehåller inga deltagare. Välj fler år, fler kommuner eller ta bort kön- eller "
              "remittentfiltret.", "The selection has no participants. Choose more years or municipalities, or remove "
              "the gender or referral-source filter."),
    "show_table": ("Visa tabellen bakom diagrammet", "Show the table behind the chart"),
    "download_csv": ("Ladda ner tabellen (CSV för Excel)", "Download the table (CSV for Excel)"),
    "no_db": ("Databasen saknas och kunde inte byggas. Bygg den med: python -m finsam build",
              "The database is missing and could not be built. Build it with: python -m finsam build"),
    "building": ("Bygger demodatabasen ur de publicerade rapporterna …", "Building the demo database from the published reports …"),
    "error": ("Något gick fel när sidan skulle visas. Prova ett annat urval eller ladda om sidan.",
              "Something went wrong showing this page. Try another selection or reload the page."),
    "suppressed_legend": ("`..` = för få för att redovisas: färre än {0} deltagare (eller inga alls), eller en andel "
                          "där färre än {0} står på andra sidan (till exempel 98 av 100 visas inte: de 2 som inte behöll steget "
                          "skulle synas). Andelar och medelvärden över färre än {0} visas inte.",
                          "`..` = too few to publish: fewer than {0} participants (or none), or a share with fewer "
                          "than {0} on the other side (98 of 100, for example, is not shown: it would give away the 2 who did not "
                          "keep their step). Shares and means over fewer than {0} are not shown."),
    "unprotected": ("Visa oskyddade siffror (även antal under 5)", "Show unprotected figures (counts under 5 too)"),
    "unprotected_note": ("Oskyddade siffror visas: dela inte dessa vidare.", "Unprotected figures are shown: do not share them."),
    "login_title": ("Logga in", "Sign in"),
    "login_user": ("Användarnamn", "User name"),
    "login_password": ("Lösenord", "Password"),
    "login_button": ("Logga in", "Sign in"),
    "login_local": ("Logga in med ett lokalt konto", "Sign in with a local account"),
    "login_oidc": ("Logga in med organisationens konto", "Sign in with your organisation's account"),
    "login_no_role": ("Inloggad som {}, men kontot har ingen roll i finsam. Kontakta förbundets administratör.",
                      "Signed in as {}, but the account has no role in finsam. Contact the association's administrator."),
    "logout": ("Logga ut", "Sign out"),
    "flash_wrong": ("Fel användarnamn eller lösenord.", "Wrong user name or password."),
    "flash_name": ("Inget konto kan ha det användarnamnet: högst 64 tecken och inga styrtecken.",
                   "No account can have that user name: at most 64 characters and no control characters."),
    "flash_locked": ("Kontot är tillfälligt låst efter för många misslyckade försök. Försök igen senare.",
                     "The account is locked for a while after too many failed attempts. Try again later."),
    "flash_oidc_down": ("Inloggningen med organisationens konto fungerar inte just nu: inloggningstjänsten svarar "
                        "inte. Försök igen om en stund, eller kontakta förbundets administratör.",
                        "Signing in with your organisation's account does not work right now: the sign-in service "
                        "does not answer. Try again shortly, or contact the association's administrator."),
    "needs_sign_in": ("Den här databasen innehåller importerade deltagaruppgifter. Sådana visas bara för inloggade "
                      "användare, och inloggning är inte inställd. Administratören ställer in den med "
                      "FINSAM_AUTH=local (lokala konton: python -m finsam user add …) eller FINSAM_AUTH=oidc "
                      "(organisationens konto), se README: Inloggning och roller.",
                      "This database holds imported participant records. They are shown to signed-in users only, "
                      "and sign-in is not set up. The administrator sets it up with FINSAM_AUTH=local (local "
                      "accounts: python -m finsam user add …) or FINSAM_AUTH=oidc (the organisation's account); "
                      "see README: Sign-in and roles."),
    "import_needs_sign_in": ("Det här är en demoinstallation: du kan kontrollera en fil här, men importera och ta bort "
                             "uppgifter kan bara en inloggad administratör eller samordnare.",
                             "This is a demo installation: you can check a file here, but only a signed-in "
                             "administrator or coordinator can import or remove records."),
    "building_step": ("Bygger demodatabasen (första starten): {}", "Building the demo database (first start): {}"),
    "signed_in_as": ("Inloggad: {} ({})", "Signed in: {} ({})"),
    "demo_mode": ("Demoinstallation utan inloggning.", "Demo installation without sign-in."),
    "role_admin": ("administratör", "administrator"),
    "role_coordinator": ("samordnare", "coordinator"),
    "role_board": ("styrelseledamot", "board member"),
    "role_reader": ("läsare av publicerade siffror", "reader of published figures"),
    "role_demo": ("demo", "demo"),
    "n_note": ("n = antal deltagare bakom varje andel.", "n = the number of participants behind each share."),
    "anonymous_note": ("Anonymt registrerade deltagare (utan samtycke eller med skyddad identitet) räknas i totalen "
                       "och könsfördelningen men har ingen kommun eller remittent.",
                       "Participants registered anonymously (no consent or protected identity) count in the total "
                       "and the gender split but have no municipality or referral source."),
    "mixed_notice": ("{} har både importerade poster och demoposter. Ta bort demoposterna på sidan Import.",
                     "{} has both imported and demo records. Remove the demo records on the Import page."),
    # import
    "page_import": ("Import", "Import"),
    "imp_intro": ("Ladda upp förbundets deltagarlista (Excel eller CSV). Filen kontrolleras rad för rad innan något "
                  "sparas; en fil med fel sparar ingenting.",
                  "Upload the association's participant list (Excel or CSV). Every row is checked before anything is "
                  "saved; a file with errors saves nothing."),
    "imp_kind": ("Vad innehåller filen?", "What does the file hold?"),
    "imp_kind_deltagare": ("Deltagare (en rad per deltagande)", "Participants (one row per participation)"),
    "imp_kind_anonyma": ("Anonyma deltagare (antal per år och kön)", "Anonymous participants (count per year and gender)"),
    "imp_kind_budget": ("Budget (beviljat och använt per insats och år)", "Budget (granted and used per intervention and year)"),
    "imp_kind_enkät": ("Enkätresultat (andel positiva svar per fråga)", "Survey results (share of positive answers per question)"),
    "imp_templates": ("Mallar", "Templates"),
    "imp_association": ("Förbund (om filen saknar kolumnen förbund)", "Association (if the file has no förbund column)"),
    "imp_from_file": ("Från filen", "From the file"),
    "imp_file": ("Fil att importera", "File to import"),
    "imp_sheet": ("Blad i Excelfilen (tomt = första bladet)", "Sheet of the Excel file (empty = the first)"),
    "imp_valid_only": ("Importera bara de giltiga raderna (de avvisade kommer tillbaka som en fil att rätta)",
                       "Import only the valid rows (the rejected ones come back as a file to fix)"),
    "imp_preview": ("Förhandsvisning av de första raderna som de tolkats", "Preview of the first rows as read"),
    "imp_ok": ("Filen är giltig: {} rader.", "The file is valid: {} rows."),
    "imp_problems": ("{} fel på {} rader. Inget importeras förrän felen är rättade.",
                     "{} problems on {} rows. Nothing is imported until they are fixed."),
    "imp_confirm": ("Importera", "Import"),
    "imp_done": ("Importerat: {} nya, {} uppdaterade, {} oförändrade, {} avvisade.",
                 "Imported: {} added, {} updated, {} unchanged, {} rejected."),
    "imp_rejected_file": ("Ladda ner de avvisade raderna", "Download the rejected rows"),
    "imp_log": ("Importlogg", "Import log"),
    "imp_remove_demo": ("Ta bort demoposterna för {}", "Remove the demo records of {}"),
    "imp_removed": ("{} demoposter borttagna.", "{} demo records removed."),
    "page_economy": ("Ekonomi", "Economy"),
    "page_surveys": ("Enkäter", "Surveys"),
    "t_economy": ("Beviljade och använda medel per insats", "Granted and used funds per intervention"),
    "t_cost_per_participant": ("Kostnad per deltagare", "Cost per participant"),
    "t_nns": ("NNS-indikatorer: andel positiva svar", "NNS indicators: share of positive answers"),
    "t_violence": ("Andel nya deltagare som varit utsatta för våld", "Share of new participants exposed to violence"),
    "individual": ("Individinriktade insatser", "Individual interventions"),
    "structural": ("Strukturövergripande insatser", "Structural interventions"),
    "all_respondents": ("Alla svarande", "All respondents"),
    "no_money": ("Inga budgetuppgifter för urvalet.", "No budget figures for the selection."),
    "no_survey": ("Inga enkätsvar för urvalet.", "No survey answers for the selection."),
    "timepoint_exit": ("vid avslut", "at exit"),
    "timepoint_3m": ("efter 3 månader", "after 3 months"),
    "timepoint_start": ("vid start", "at start"),
    "economy_note": ("Kostnad per deltagare = använda medel / alla som deltog i insatsen under året (enligt "
                     "deltagarposterna). Kommun-, kön- och remittentfiltret gäller inte ekonomin.",
                     "Cost per participant = used funds / everyone who took part in the intervention that year (from "
                     "the records). The municipality, gender and referral-source filters do not apply to money."),
    "survey_note": ("Andelar över färre än 5 svarande visas inte. n = antal svarande där rapporten anger det.",
                    "Shares over fewer than 5 respondents are not shown. n = respondents where the report gives it."),
    # pages
    "page_overview": ("Översikt", "Overview"),
    "page_gender": ("Kön", "Gender"),
    "page_referrals": ("Remittenter", "Referral sources"),
    "page_time": ("Tid i insats", "Time in intervention"),
    "page_followup": ("Uppföljning", "Follow-up"),
    "page_municipalities": ("Kommuner", "Municipalities"),
    "page_exits": ("Avslut och resultat", "Exits and results"),
    "page_compare": ("Jämför", "Compare"),
    "page_sources": ("Källor", "Sources"),
    "page_presentation": ("Presentation", "Presentation"),
    "page_board_pack": ("Styrelseunderlag", "Board pack"),
    # key figures
    "kf_participants": ("Deltagare", "Participants"),
    "kf_new": ("Nya", "New"),
    "kf_ended": ("Avslutade", "Ended"),
    "kf_women": ("Andel kvinnor", "Share of women"),
    "kf_mean_time": ("Medeltid i insats", "Mean time in intervention"),
    "kf_positive": ("Positiv stegförflyttning", "Positive step"),
    "kf_retained": ("Behållit efter 6 mån", "Kept after 6 months"),
    "vs_prev": ("mot", "vs"),
    "months": ("mån", "months"),
    "days": ("dagar", "days"),
    # chart titles, the published measures' names and the charts' notes: finsam/words.csv
    "published_note": ("Publicerade siffror där deltagarposterna inte räcker till", "Published figures where the records do not reach"),
    "sources_intro": ("Varje publicerad siffra i de fem årsrapporterna bredvid den som räknas fram ur deltagarposterna.",
                      "Every published figure of the five annual reports beside the one computed from the records."),
    "no_published": ("Databasen har inga publicerade siffror att jämföra med (de läses in från "
                     "data/published_figures.csv när databasen skapas).",
                     "The database holds no published figures to compare with (they are read from "
                     "data/published_figures.csv when the database is made)."),
    "status_match": ("stämmer", "match"),
    "status_conflict": ("dokumenterad motsägelse", "documented conflict"),
    "status_not_reconstructable": ("kan inte återskapas ur posterna", "not reconstructable from records"),
    "status_mismatch": ("avviker", "mismatch"),
    "status_protected": ("dold (för få deltagare)", "hidden (too few participants)"),
    "status_not_shown": ("beräknas inte för din roll", "not computed for your role"),
    "ongoing_series": ("Pågående", "Ongoing"),
    "total_series": ("Deltagare totalt", "Participants in all"),
    "anonymous_suffix": ("anonyma", "anonymous"),
    "women": ("Kvinnor", "Women"),
    "men": ("Män", "Men"),
    "six_months": ("6 månader", "6 months"),
    "eighteen_months": ("18 månader", "18 months"),
    "response_rate": ("Svarsfrekvens", "Response rate"),
    "mean": ("Medel", "Mean"),
    "median": ("Median", "Median"),
    "share_population": ("Andel av befolkningen", "Share of population"),
    "share_participants": ("Andel av deltagarna", "Share of participants"),
    "share_population_assoc": ("Andel av förbundets befolkning (%)", "Share of the association's population (%)"),
    "share_participants_assoc": ("Andel av förbundets deltagare (%)", "Share of the association's participants (%)"),
    "proportional": ("Lika stor andel av deltagarna som av befolkningen", "Same share of participants as of population"),
    "measure_label": ("Mått", "Measure"),
    "short_participants": ("Deltagare", "Participants"),
    "short_women": ("Kvinnor, %", "Women, %"),
    "short_time": ("Medeltid, mån", "Mean time, months"),
    "short_positive": ("Positivt steg, %", "Positive step, %"),
    "short_retained": ("Behållit 6 mån, %", "Kept 6 months, %"),
    "status_filter": ("Visa status", "Show status"),
    "no_followup": ("Inga uppföljningar registrerade för urvalet.", "No follow-ups registered for the selection."),
    # goals and goal attainment (issue 17)
    "page_goals": ("Mål", "Goals"),
    "goals_attainment": ("Måluppfyllelse", "Goal attainment"),
    "goals_year": ("År", "Year"),
    "goals_none": ("Inga mål för urvalet {}. Samordnare lägger in mål nedan eller med mallen.",
                   "No goals for the selection in {}. Coordinators add goals below or with the template."),
    "goals_whole": ("Målen gäller hela förbundet (eller sin insats) och bedöms på alla dess deltagare, inte bara "
                    "på urvalets kommuner, kön eller remittenter.",
                    "The goals are the association's (or their intervention's) and are judged on all its "
                    "participants, not only the selection's municipalities, genders or referral sources."),
    "goals_rule": ("Ett mätbart mål mäts på hela förbundet (eller sin insats) under året. Uppnått: utfallet når målvärdet; delvis "
                   "uppnått: minst tre fjärdedelar av vägen; ej mätbart: målet saknar indikator eller utfallet är "
                   "för litet för att visas. Under året jämförs antal med målvärdet pro rata (i fas / efter).",
                   "A measurable goal is measured on the whole association (or its intervention) in the year. Achieved: the outcome "
                   "reaches the target; partly: at least three quarters of the way; not measurable: no indicator, "
                   "or the outcome too small to show. During the year counts are compared with the target pro "
                   "rata (on track / behind)."),
    "goals_edit": ("Ändra mål", "Edit goals"),
    "goals_edit_intro": ("Lägg till, ändra eller ta bort rader och spara. Indikator, jämförelse och målvärde "
                         "för ett mätbart mål; annars status och kommentar.",
                         "Add, change or remove rows and save. Indicator, comparison and target for a measurable "
                         "goal; otherwise a status and a comment."),
    "goals_association": ("Förbund", "Association"),
    "goals_save": ("Spara målen", "Save the goals"),
    "goals_saved": ("Sparat: {} mål för {}.", "Saved: {} goals for {}."),
    "goals_problems": ("Målen sparades inte:", "The goals were not saved:"),
    "goals_read_only": ("Målen ändras av förbundets samordnare och administratörer.",
                        "Goals are changed by the association's coordinators and administrators."),
    "goals_template": ("Mall för mål", "Goals template"),
    "goals_upload": ("Importera mål från mallen (ersätter mål med samma mål-id, lägger till nya)",
                     "Import goals from the template (replaces goals with the same id, adds new ones)"),
    "goals_import": ("Importera målen", "Import the goals"),
    "goals_section": ("Mål och måluppfyllelse", "Goals and goal attainment"),
    "goal_mark": ("Mål: {}", "Goal: {}"),
    # --- operations: undo and the audit log ---
    "undo_title": ("Ångra senaste importen", "Undo the last import"),
    "undo_button": ("Ångra senaste importen", "Undo the last import"),
    "undo_confirm": ("Ja, ångra", "Yes, undo"),
    "undo_cancel": ("Avbryt", "Cancel"),
    "undo_done": ("Ångrat. Databasen är som före ändringen (ny version {}).",
                  "Undone. The database is as before the change (new version {})."),
    "undo_none": ("Det finns ingen ändring som du kan ångra.", "There is no change you can undo."),
    "audit_title": ("Logg", "Log"),
    "audit_caption": ("Inloggningar, importer, återställningar, säkerhetskopior och visning av oskyddade siffror. "
                      "Visas bara för administratörer.",
                      "Sign-ins, imports, restores, backups and views of unprotected figures. Shown to "
                      "administrators only."),
    # --- end operations ---
    # accessibility (README "Tillgänglighet")
    "page_accessibility": ("Tillgänglighet", "Accessibility"),
    "chart_text": ("Diagrammet i text", "The chart in words"),
}


def t(key: str, lang: str) -> str:
    sv, en = TEXT[key] if key in TEXT else _words()[key]
    return en if lang == "en" else sv


def _words() -> dict[str, tuple[str, str]]:
    """More words, kept in finsam/words.csv (key,sv,en): the published figures' measures and dimensions
    (measure_*, dimension_*) and the charts' notes; read once."""
    if not _WORDS:
        import csv
        from pathlib import Path
        with open(Path(__file__).with_name("words.csv"), encoding="utf-8") as fh:
            _WORDS.update({r["key"]: (r["sv"], r["en"]) for r in csv.DictReader(fh)})
    return _WORDS


def term(kind: str, name: str, lang: str) -> str:
    """A measure's or a dimension's name (kind "measure" or "dimension"; "a|b": both, joined by " × ")."""
    names = [t(f"{kind}_{n}", lang) if f"{kind}_{n}" in _words() else n.replace("_", " ") for n in name.split("|")]
    return " × ".join(names) if name else ""


def col(name: str, lang: str) -> str:
    sv, en = COLUMNS.get(name) or _words().get(f"col_{name}", (name, name))
    return en if lang == "en" else sv


def number(value: float | int | None, decimals: int = 0, lang: str = "sv") -> str:
    """1234.5 -> '1 234,5' in Swedish (narrow no-break space as thousands separator), '1,234.5' in English;
    a missing or hidden value (NaN) -> '..', the statistics mark for "too few to publish"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return SUPPRESSED
    text = f"{value:,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "\u202f").replace(".", ",")


def percent(value: float | None, decimals: int = 0, lang: str = "sv") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return SUPPRESSED
    return f"{number(value, decimals, lang)}\u00a0%"


def fmt(value, decimals: int = 0, lang: str = "sv") -> str:
    """A number as the board pack and the chapter print it: no value (None) as MISSING, a hidden one (NaN)
    as SUPPRESSED, else number()."""
    if value is None:
        return MISSING
    if pd.isna(value):
        return SUPPRESSED
    return number(value, decimals, lang)


def pct(value, decimals: int = 0, lang: str = "sv") -> str:
    """fmt() with a percent sign; MISSING and SUPPRESSED stay as they are."""
    text = fmt(value, decimals, lang)
    return text if text in (SUPPRESSED, MISSING) else f"{text}\u00a0%"


def plotly_separators(lang: str) -> str:
    """Plotly's `separators`: decimal mark then thousands separator."""
    return ".," if lang == "en" else ", "
