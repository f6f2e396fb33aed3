{{ incremental_person_config() }}
-- depends_on: {{ ref('int_person_activity') }}
-- Dagpenge spells (domain.md "Spell", docs/architecture.md "Shared definitions"): one per
-- placement; the payment months are the run of consecutive paid months starting at the
-- placement month (a month without payment = more than 4 weeks without payment ends it);
-- spell_end = last day of the run, or the day before the next placement if that comes
-- first; NULL (ongoing) when the run reaches the newest delivered month.
with placements as (
    select
        person_key,
        placement_id,
        placement_date as spell_start,
        akasse_code,
        municipality_code,
        placement_reason,
        is_graduate,
        lead(placement_date) over (
            partition by person_key order by placement_date, placement_id
        ) as next_placement_date,
        row_number() over (
            partition by person_key order by placement_date, placement_id
        ) as spell_number,
        _loaded_at
    from {{ ref('stg_dfdg__placements') }}
    where true {{ only_changed_persons('person_key') }}
),

-- gaps and islands: consecutive paid months share (month index - row number)
paid_islands as (
    select
        person_key,
        paid_month,
        year(paid_month) * 12 + month(paid_month)
            - row_number() over (partition by person_key order by paid_month) as island
    from {{ ref('int_paid_months') }}
    where true {{ only_changed_persons('person_key') }}
),

runs as (
    select person_key, min(paid_month) as run_first, max(paid_month) as run_last
    from paid_islands
    group by person_key, island
),

placed as (
    select
        p.*,
        r.run_last,
        case when r.run_last is not null then last_day(r.run_last) else p.spell_start end as run_end,
        r.run_last >= d.newest_month as reaches_newest
    from placements as p
    cross join {{ ref('int_delivery_period') }} as d
    left join runs as r
        on r.person_key = p.person_key
       and {{ month_of('p.spell_start') }} between r.run_first and r.run_last
)

select
    person_key || '-' || strftime(spell_start, '%Y%m%d') as spell_key,
    person_key,
    placement_id,
    spell_number,
    spell_start,
    case
        -- a placement without payment in its month is a spell of one day
        when run_last is null then spell_start
        when next_placement_date - 1 <= run_end then next_placement_date - 1
        when reaches_newest then null
        else run_end
    end as spell_end,
    run_last as last_paid_month,
    akasse_code,
    municipality_code,
    m.jobcenter_code,
    placement_reason,
    is_graduate,
    _loaded_at,
    {{ build_state_columns() }}
from placed
left join {{ ref('municipalities') }} as m using (municipality_code)
