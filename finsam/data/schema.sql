-- finsam's DuckDB schema: reference tables, the record model and the published figures.
-- Integrity lives here (types, NOT NULL, CHECK, foreign keys), not only in the importer.

CREATE TABLE association (
    association_id VARCHAR PRIMARY KEY,
    name_sv VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    full_name_sv VARCHAR NOT NULL
);

CREATE TABLE municipality (
    municipality_code VARCHAR PRIMARY KEY CHECK (regexp_full_match(municipality_code, '[0-9]{4}')),
    municipality_name VARCHAR NOT NULL UNIQUE,
    county_code VARCHAR NOT NULL CHECK (regexp_full_match(county_code, '[0-9]{2}')),
    county_name VARCHAR NOT NULL,
    CHECK (substr(municipality_code, 1, 2) = county_code)
);

-- A municipality belongs to at most one association.
CREATE TABLE association_municipality (
    association_id VARCHAR NOT NULL REFERENCES association (association_id),
    municipality_code VARCHAR NOT NULL UNIQUE REFERENCES municipality (municipality_code),
    PRIMARY KEY (association_id, municipality_code)
);

-- Each municipality's share of its association's population, as of a year.
CREATE TABLE population_share (
    association_id VARCHAR NOT NULL,
    municipality_code VARCHAR NOT NULL,
    year SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    population_share_pct DOUBLE NOT NULL CHECK (population_share_pct > 0 AND population_share_pct <= 100),
    source VARCHAR NOT NULL,
    PRIMARY KEY (association_id, municipality_code, year),
    FOREIGN KEY (association_id, municipality_code)
        REFERENCES association_municipality (association_id, municipality_code)
);

-- first_year/last_year: the years the records of this intervention cover (NULL: open).
CREATE TABLE intervention (
    association_id VARCHAR NOT NULL REFERENCES association (association_id),
    intervention_id VARCHAR NOT NULL,
    name_sv VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('individual', 'structural')),
    first_year SMALLINT CHECK (first_year BETWEEN 2000 AND 2100),
    last_year SMALLINT CHECK (last_year BETWEEN 2000 AND 2100),
    description_sv VARCHAR,
    PRIMARY KEY (association_id, intervention_id),
    CHECK (last_year IS NULL OR first_year IS NULL OR last_year >= first_year)
);

CREATE TABLE gender (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, aliases VARCHAR);
CREATE TABLE referral_source (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, aliases VARCHAR, member_of VARCHAR);
CREATE TABLE exit_reason (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, aliases VARCHAR, is_positive_default BOOLEAN NOT NULL);
CREATE TABLE assignment (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, aliases VARCHAR);
CREATE TABLE followup_status (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, aliases VARCHAR);
CREATE TABLE education (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, aliases VARCHAR);
CREATE TABLE public_support_time (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, aliases VARCHAR);
CREATE TABLE income_source (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, aliases VARCHAR);
CREATE TABLE age_band (code VARCHAR PRIMARY KEY, label_sv VARCHAR NOT NULL, label_en VARCHAR NOT NULL,
    sort_order SMALLINT NOT NULL, min_age SMALLINT NOT NULL, max_age SMALLINT NOT NULL);

-- One row per participation: one person's one stay in one intervention.
-- person_id is the association's own pseudonym; a value shaped like a personnummer is refused.
CREATE TABLE participation (
    participation_id BIGINT PRIMARY KEY,
    association_id VARCHAR NOT NULL,
    intervention_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL CHECK (length(person_id) BETWEEN 1 AND 64
        AND NOT regexp_matches(person_id, '^\s*(19|20)?[0-9]{6}\s*[-+]?\s*[0-9]{4}\s*$')),
    municipality_code VARCHAR NOT NULL,
    gender VARCHAR NOT NULL REFERENCES gender (code),
    birth_year SMALLINT CHECK (birth_year BETWEEN 1900 AND 2100),
    referral_source VARCHAR NOT NULL REFERENCES referral_source (code),
    assignment VARCHAR REFERENCES assignment (code),
    start_date DATE NOT NULL,
    end_date DATE,
    exit_reason VARCHAR REFERENCES exit_reason (code),
    has_positive_step BOOLEAN,
    followup_6m VARCHAR NOT NULL DEFAULT 'ej_aktuell' REFERENCES followup_status (code),
    followup_18m VARCHAR NOT NULL DEFAULT 'ej_aktuell' REFERENCES followup_status (code),
    education VARCHAR REFERENCES education (code),
    public_support_time VARCHAR REFERENCES public_support_time (code),
    income_before VARCHAR REFERENCES income_source (code),
    income_after VARCHAR REFERENCES income_source (code),
    is_demo BOOLEAN NOT NULL DEFAULT false,
    import_id BIGINT,
    FOREIGN KEY (association_id, intervention_id) REFERENCES intervention (association_id, intervention_id),
    FOREIGN KEY (association_id, municipality_code)
        REFERENCES association_municipality (association_id, municipality_code),
    UNIQUE (association_id, intervention_id, person_id, start_date),
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK ((end_date IS NULL) = (exit_reason IS NULL)),
    CHECK (end_date IS NOT NULL OR has_positive_step IS NULL),
    CHECK (end_date IS NOT NULL OR (followup_6m = 'ej_aktuell' AND followup_18m = 'ej_aktuell')),
    CHECK (birth_year IS NULL OR birth_year <= year(start_date) - 10)
);

-- Participants registered anonymously (no consent, protected identity): a count per year and gender.
CREATE TABLE anonymous_participants (
    association_id VARCHAR NOT NULL,
    intervention_id VARCHAR NOT NULL,
    year SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    gender VARCHAR NOT NULL REFERENCES gender (code),
    participant_count INTEGER NOT NULL CHECK (participant_count > 0),
    is_demo BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (association_id, intervention_id, year, gender),
    FOREIGN KEY (association_id, intervention_id) REFERENCES intervention (association_id, intervention_id)
);

-- Every figure printed in the source reports, as data/published_figures.csv has it.
CREATE TABLE published_figure (
    figure_id INTEGER PRIMARY KEY,
    association VARCHAR NOT NULL,
    intervention VARCHAR NOT NULL,
    year SMALLINT NOT NULL,
    measure VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    value DOUBLE NOT NULL,
    value_text VARCHAR NOT NULL,  -- as printed in the CSV, for the precision reconcile compares at
    unit VARCHAR NOT NULL CHECK (unit IN ('count', 'percent', 'days', 'months', 'years', 'sek', 'score')),
    source_file VARCHAR NOT NULL,
    section VARCHAR NOT NULL,
    notes VARCHAR NOT NULL
);

-- Money: granted (budget) and used funds per intervention and year; the deviation is granted - used.
CREATE TABLE budget (
    association_id VARCHAR NOT NULL,
    intervention_id VARCHAR NOT NULL,
    year SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    granted_sek BIGINT NOT NULL CHECK (granted_sek >= 0),
    used_sek BIGINT NOT NULL CHECK (used_sek >= 0),
    is_demo BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (association_id, intervention_id, year),
    FOREIGN KEY (association_id, intervention_id) REFERENCES intervention (association_id, intervention_id)
);

-- Voices: survey results per question and answer group (share positive and, where known, respondents).
-- survey: 'nns' (NNS indicator survey) or 'violence' (exposure to violence among new participants).
CREATE TABLE survey_result (
    association_id VARCHAR NOT NULL,
    intervention_id VARCHAR NOT NULL,
    year SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    survey VARCHAR NOT NULL CHECK (survey IN ('nns', 'violence')),
    timepoint VARCHAR NOT NULL CHECK (timepoint IN ('3m', 'exit', 'start')),
    question VARCHAR NOT NULL,
    answer_group VARCHAR NOT NULL CHECK (answer_group IN ('all', 'kvinna', 'man')),
    respondents INTEGER CHECK (respondents > 0),
    positive_share_pct DOUBLE NOT NULL CHECK (positive_share_pct BETWEEN 0 AND 100),
    is_demo BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (association_id, intervention_id, year, survey, timepoint, question, answer_group),
    FOREIGN KEY (association_id, intervention_id) REFERENCES intervention (association_id, intervention_id)
);

-- The questions in full, as each association's survey words them.
CREATE TABLE survey_question (
    association_id VARCHAR NOT NULL REFERENCES association (association_id),
    survey VARCHAR NOT NULL,
    timepoint VARCHAR NOT NULL,
    question VARCHAR NOT NULL,
    text_sv VARCHAR NOT NULL,
    PRIMARY KEY (association_id, survey, timepoint, question)
);

-- One row per import: who, when, which file (name and content hash) and how many rows; never row values.
CREATE TABLE import_log (
    import_id INTEGER PRIMARY KEY,
    imported_at TIMESTAMP NOT NULL,
    imported_by VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL CHECK (length(file_sha256) = 64),
    kind VARCHAR NOT NULL CHECK (kind IN ('deltagare', 'anonyma', 'budget', 'enkät', 'samtal')),
    associations VARCHAR NOT NULL,
    rows_in_file INTEGER NOT NULL,
    rows_added INTEGER NOT NULL,
    rows_updated INTEGER NOT NULL,
    rows_unchanged INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL
);

-- Goals the board decided (issue 17): per association, intervention ('ALL': all its interventions) and
-- year or period. A measurable goal names an indicator of finsam.goals.INDICATORS, a comparison and a
-- target (target_high for 'between'); one that is not keeps its text and a status set by the coordinator.
CREATE TABLE goal (
    goal_id VARCHAR PRIMARY KEY,
    association_id VARCHAR NOT NULL REFERENCES association (association_id),
    intervention_id VARCHAR NOT NULL,
    first_year SMALLINT NOT NULL CHECK (first_year BETWEEN 2000 AND 2100),
    last_year SMALLINT NOT NULL CHECK (last_year BETWEEN 2000 AND 2100),
    text_sv VARCHAR NOT NULL,
    indicator VARCHAR,
    comparison VARCHAR CHECK (comparison IN ('at_least', 'at_most', 'between')),
    target DOUBLE,
    target_high DOUBLE,
    set_status VARCHAR CHECK (set_status IN ('uppnått', 'delvis uppnått', 'ej uppnått')),
    comment VARCHAR NOT NULL DEFAULT '',
    source_file VARCHAR NOT NULL DEFAULT '',
    section VARCHAR NOT NULL DEFAULT '',
    CHECK (last_year >= first_year),
    CHECK ((indicator IS NULL) = (comparison IS NULL) AND (indicator IS NULL) = (target IS NULL)),
    CHECK ((comparison = 'between') = (target_high IS NOT NULL))
);

CREATE TABLE build_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

-- Counted conversations per intervention and year (issue 25: the 2025 report's "103 rådgivande samtal"):
-- a count of conversations, imported like budgets (kind 'samtal').
CREATE TABLE conversation_count (
    association_id VARCHAR NOT NULL,
    intervention_id VARCHAR NOT NULL,
    year SMALLINT NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    conversation_count INTEGER NOT NULL CHECK (conversation_count >= 0),
    is_demo BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (association_id, intervention_id, year),
    FOREIGN KEY (association_id, intervention_id) REFERENCES intervention (association_id, intervention_id)
);

-- The administrator's decision per association (issue 25): its published chapter may show small counts.
-- No row: protected (the default).
CREATE TABLE chapter_small_counts (
    association_id VARCHAR PRIMARY KEY REFERENCES association (association_id),
    is_shown BOOLEAN NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    decided_by VARCHAR NOT NULL
);

-- Whether an association shares its key figures (aggregates under the small-count protection) with the other
-- associations' users (issue 27): set by an administrator (python -m finsam sharing), changed through the
-- write door (a version and the audit log). No row: it does not share.
CREATE TABLE association_sharing (
    association_id VARCHAR PRIMARY KEY REFERENCES association (association_id),
    shares_key_figures BOOLEAN NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL
);
