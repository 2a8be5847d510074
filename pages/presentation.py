"""Presentation: the shared selection for the projector, one screen at a time (the key figures, then one
chart per screen) with the filter panel and controls hidden. Next and previous by button, by the arrow
keys and by a presenter's clicker (Page Down / Page Up); Esc goes back to the dashboard."""
import streamlit as st

from finsam.present import chart_text, economy_charts, outcome_charts, participant_charts, referral_charts, survey_charts
from finsam.query import goals, queries as q
from finsam.web import app, reads, sidebar
from finsam.labels import number, percent, t
from finsam.present import key_figures as kfig

TEXT = {
    "previous": ("Föregående", "Previous"),
    "next": ("Nästa", "Next"),
    "back": ("Tillbaka till dashboarden", "Back to the dashboard"),
    "keys": ("Piltangenterna eller klickern bläddrar, Esc går tillbaka.",
             "Arrow keys or a clicker turn the screens, Esc goes back."),
    "key_figures": ("Nyckeltal {}", "Key figures {}"),
    "goals": ("Måluppfyllelse {}", "Goal attainment {}"),
}
SLIDE = "presentation_slide"
CHART_HEIGHT = 640  # px: the chart fills a 1080p projector below the heading
CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarCollapseButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], .st-key-presentation_clicker_next,
.st-key-presentation_clicker_previous { display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 1rem 3rem 1rem 3rem; }
.st-key-presentation_heading h1 { font-size: 3.2rem; line-height: 1.15; padding: 0; }
.st-key-presentation_heading p { font-size: 1.6rem; color: #4A5565; margin: 0; }
.st-key-presentation_figures [data-testid="stMetricValue"] { font-size: 5.5rem; padding: 1rem 0; }
.st-key-presentation_figures [data-testid="stMetricLabel"] p { font-size: 1.6rem; }
.st-key-presentation_figures [data-testid="stMetricDelta"] { font-size: 1.3rem; }
.st-key-presentation_nav button p { font-size: 1.2rem; }
</style>"""


def say(key: str, lang: str) -> str:
    sv, en = TEXT[key]
    return en if lang == "en" else sv


def for_the_room(fig):
    """The dashboard's chart at a size readable from the back of a room; its title is the screen's heading."""
    fig.update_layout(title=None, height=CHART_HEIGHT, font_size=24, legend_font_size=22, uniformtext_minsize=18,
                      margin=dict(l=90, r=30, t=30, b=150), hoverlabel_font_size=22)
    fig.update_traces(textfont_size=22, selector=lambda trace: trace.type in ("bar", "scatter", "heatmap"))
    fig.update_xaxes(title_font_size=24, tickfont_size=22)
    fig.update_yaxes(title_font_size=24, tickfont_size=22)
    return fig


def key_figures(lang: str, f) -> None:
    """The board's key figures of the selection's last year in large type, the year before beside each."""
    last = f.years[1]
    both = f.with_years(last - 1, last)
    kf = q.key_figure_series(reads.query("key_figures", both))
    with st.container(key="presentation_figures"):
        cells = st.columns(4) + st.columns(3)
        for cell, k in zip(cells, kfig.KEY_FIGURES):
            series = kf[k.column]
            now = series.get(last) if last in series.index else None
            before = f"{last - 1}: {kfig.shown(k, series.get(last - 1), lang)}" if last - 1 in series.index else None
            cell.metric(t(k.label_key, lang), kfig.shown(k, now, lang), before, delta_color="off", delta_arrow="off",
                        border=True)


def goal_screen(lang: str, att) -> None:
    """The year's goals: how many per status in large type, then each goal's target, outcome and status."""
    def value(v, unit):
        return percent(v, 0, lang) if unit == "percent" else number(v, 0, lang)

    counts = att.status.value_counts()
    with st.container(key="presentation_figures"):
        for cell, status in zip(st.columns(4), goals.STATUSES):
            cell.metric(status, number(counts.get(status, 0), 0, lang), border=True)
    rows = [{"Insats": "Alla insatser" if r.intervention == goals.ALL else r.intervention, "Mål": r.text,
             "Målvärde": f"{goals.COMPARISONS[r.comparison]} {value(r.target, r.unit)}" if r.indicator else "",
             "Utfall": value(r.outcome, r.unit) if r.indicator else "", "Status": r.status + (f", {r.pace}" if r.pace else "")}
            for r in att.itertuples()]
    st.dataframe(rows, hide_index=True, key="presentation_goals", row_height=45)


def screens(lang: str, f, subtitle: str) -> list[tuple[str, object]]:
    """(heading, draw) per screen: draw() shows the key figures or returns the screen's chart. Only the
    shown screen's chart is built; the queries behind the list are cached."""
    labels = {name: reads.code_labels(name, lang) for name in ("gender", "referral_source", "exit_reason")}
    out = [(say("key_figures", lang).format(f.years[1]), lambda: key_figures(lang, f)),
           (t("t_flow", lang), lambda: participant_charts.flow(reads.query("participant_flow", f), lang, subtitle)),
           (t("t_gender", lang), lambda: participant_charts.gender(reads.query("gender_split", f),
                                                       labels["gender"], lang, subtitle)),
           (t("t_municipalities", lang),
            lambda: participant_charts.municipalities(reads.query("municipality_split", reads.municipality_years(f)), lang,
                                          sidebar.selection_text(reads.municipality_years(f), lang)))]
    if not reads.query("referral_split", f).empty:
        out.append((t("t_referrals", lang),
                    lambda: referral_charts.referrals(reads.query("referral_split", f),
                                             labels["referral_source"], lang, subtitle)))
    if not reads.query("exit_reasons", f).empty:
        out += [(t("t_time_dist", lang), lambda: outcome_charts.time_distribution(reads.query("time_distribution", f), lang,
                                                                          subtitle)),
                (t("t_exits", lang), lambda: outcome_charts.exits(reads.query("exit_reasons", f),
                                                          labels["exit_reason"], lang, subtitle)),
                (t("t_positive", lang), lambda: outcome_charts.positive_steps(reads.query("positive_steps", f), {}, lang,
                                                                      subtitle))]
    if (reads.query("followup", f).due.fillna(1) > 0).any():
        out.append((t("t_followup", lang), lambda: outcome_charts.followup(reads.query("followup", f), lang, subtitle)))
    att = reads.goal_query("attainment", f, f.years[1])
    if not att.empty:
        out.append((say("goals", lang).format(f.years[1]), lambda: goal_screen(lang, att)))
    economy = reads.query("economy", f)
    if not economy[economy.kind == "individual"].empty:
        out.append((t("t_economy", lang), lambda: economy_charts.economy(economy[economy.kind == "individual"], lang, subtitle)))
    nns = reads.query("surveys", f, survey="nns")
    if not nns.empty:
        out.append((t("t_nns", lang), lambda: survey_charts.survey(nns, lang, t("t_nns", lang), subtitle)))
    violence = reads.query("surveys", f, survey="violence")
    if not violence.empty:
        out.append((t("t_violence", lang),
                    lambda: survey_charts.violence(violence, labels["gender"], lang, subtitle)))
    return out


def turn(step: int, count: int) -> None:
    st.session_state[SLIDE] = min(max(st.session_state.get(SLIDE, 0) + step, 0), count - 1)


p = app.page()
lang, f = p.lang, p.filters
st.html(CSS)
shown = screens(lang, f, p.subtitle)
count = len(shown)
index = min(st.session_state.get(SLIDE, 0), count - 1)
st.session_state[SLIDE] = index
heading, body = shown[index]

top = st.columns([7, 3], vertical_alignment="top")
with top[0].container(key="presentation_heading"):
    st.title(heading)
    st.markdown(p.subtitle)
with top[1].container(horizontal=True, horizontal_alignment="right", key="presentation_nav"):
    st.button(say("previous", lang), on_click=turn, args=(-1, count), key="presentation_previous",
              icon=":material/arrow_back:", shortcut="Left", disabled=index == 0)
    st.button(say("next", lang), on_click=turn, args=(1, count), key="presentation_next", type="primary",
              icon=":material/arrow_forward:", shortcut="Right", disabled=index == count - 1)
    st.markdown(f"### {index + 1} / {count}")
# a clicker sends Page Down / Page Up: hidden twins of the buttons take those keys
st.button("next", on_click=turn, args=(1, count), key="presentation_clicker_next", shortcut="PageDown")
st.button("previous", on_click=turn, args=(-1, count), key="presentation_clicker_previous", shortcut="PageUp")

figure = body()
if figure is not None:
    words = chart_text.summary(figure, lang)  # the text alternative, read before the chart is styled for the room
    st.plotly_chart(for_the_room(figure), key=f"presentation_chart_{index}", theme=None, alt=words,
                    config={"displaylogo": False, "displayModeBar": False})
    st.caption(words)

with st.container(horizontal=True, vertical_alignment="center"):
    if st.button(say("back", lang), key="presentation_back", icon=":material/close:", shortcut="Esc",
                 type="tertiary"):
        # the selection goes with it: the frame writes the session's selection into the dashboard's URL
        st.switch_page("pages/oversikt.py", query_params=st.session_state.get("_url_selection", {}))
    st.caption(say("keys", lang))
