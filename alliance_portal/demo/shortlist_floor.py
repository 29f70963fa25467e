"""The bench's floor for the shortlist: the same ranking in one hand-written SQL query.

`deployments.matching.shortlist` reads light rows in three queries, scores
them in Python with a sentence for every point and loads the chosen leaders.
`shortlist_floor` asks PostgreSQL for the same leaders in the same order in a
single statement: the same exclusions, the same points per factor (rounded the
same way), the same order (score, then distance with unknown last, then id),
and nothing else: no reasons, no model objects. It is what the answer alone
costs, so the bench prints ours beside it.

PostgreSQL only (GREATEST, LEAST, DISTINCT ON, arrays), like the bench.
"""

from django.db import connection
from django.utils import timezone

from deployments.matching import GOVERNANCE_KINDS, KIND_ORDER, NOT_SURE, WEIGHTS
from deployments.models import Deployment
from leaders.models import Designation

_SQL = """
WITH req AS (
    SELECT r.id, r.alliance_id, r.designation_sought AS sought,
        r.in_ofsted_category OR r.facing_closure OR r.below_floor_standards AS concern,
        r.new_headteacher, s.id AS school_id, s.trust_id, s.phase_id, s.easting, s.northing,
        make_date(y.start_year, 9, 1) AS year_start, make_date(y.start_year + 1, 8, 31) AS year_end,
        (SELECT count(*) FROM support_requests_supportrequest_areas_of_expertise a
            WHERE a.supportrequest_id = r.id) AS areas_asked
    FROM support_requests_supportrequest r
    LEFT JOIN schools_school s ON s.id = r.school_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN extract(month FROM d) >= 9 THEN extract(year FROM d)::int
            ELSE extract(year FROM d)::int - 1 END AS start_year
        FROM coalesce(r.preferred_start, %(today)s::date) AS d
    ) y
    WHERE r.id = %(request)s
),
visible AS (
    SELECT d.leader_id, d.kind, d.status FROM leaders_designation d, req
    WHERE (d.alliance_id = req.alliance_id OR d.alliance_id IS NULL)
        AND d.status <> ALL(%(unconfirmed)s)
),
best_kind AS (
    SELECT DISTINCT ON (v.leader_id) v.leader_id,
        CASE
            WHEN req.sought <> %(not_sure)s AND v.kind = req.sought THEN %(sought)s
            WHEN v.kind = 'NLE' AND req.concern THEN %(nle)s
            WHEN v.kind = 'LLE' AND req.new_headteacher THEN %(lle)s
            WHEN v.kind = 'SLE' AND req.areas_asked > 0 THEN %(sle)s
            WHEN v.kind = ANY(%(governance)s) AND req.sought = ANY(%(governance)s)
                THEN %(governance_points)s
            ELSE 0
        END AS points
    FROM visible v, req
    WHERE v.status = %(active)s
    ORDER BY v.leader_id, points DESC, array_position(%(kind_order)s, v.kind::text)
),
facts AS (
    SELECT l.id, bk.points AS designation_points, hs.easting, hs.northing,
        l.days_per_year - coalesce((
            SELECT sum(CASE WHEN dp.status = 'stopped' THEN coalesce(dp.days_delivered, 0)
                ELSE dp.agreed_days END)
            FROM deployments_deployment dp
            WHERE dp.leader_id = l.id AND dp.status = ANY(%(committed)s)
                AND dp.start_date BETWEEN req.year_start AND req.year_end
        ), 0) AS days_left,
        (SELECT count(*) FROM deployments_deployment dp
            WHERE dp.leader_id = l.id AND dp.status = ANY(%(live)s)) AS current,
        (SELECT count(*) FROM leaders_leader_areas_of_expertise la
            JOIN support_requests_supportrequest_areas_of_expertise ra
                ON ra.areaofexpertise_id = la.areaofexpertise_id AND ra.supportrequest_id = req.id
            WHERE la.leader_id = l.id) AS areas_in_common,
        EXISTS (SELECT 1 FROM leaders_leader_phases lp
            WHERE lp.leader_id = l.id AND lp.phase_id = req.phase_id) AS supports_phase,
        CASE WHEN hs.easting IS NULL OR hs.northing IS NULL
            OR req.easting IS NULL OR req.northing IS NULL THEN NULL
            ELSE sqrt(power(hs.easting - req.easting, 2) + power(hs.northing - req.northing, 2))
                / 1000 END AS distance_km
    FROM leaders_leader l
    CROSS JOIN req
    JOIN best_kind bk ON bk.leader_id = l.id
    LEFT JOIN schools_school hs ON hs.id = l.home_school_id
    WHERE l.id IN (SELECT leader_id FROM visible)
        AND (req.school_id IS NULL OR l.home_school_id IS DISTINCT FROM req.school_id)
        AND (req.trust_id IS NULL OR hs.trust_id IS DISTINCT FROM req.trust_id)
        AND NOT EXISTS (SELECT 1 FROM leaders_declaredconflict c WHERE c.leader_id = l.id
            AND (c.school_id = req.school_id OR c.trust_id = req.trust_id))
        AND NOT EXISTS (SELECT 1 FROM deployments_deployment dp
            WHERE dp.request_id = req.id AND dp.leader_id = l.id)
)
SELECT id FROM facts
WHERE days_left > 0
ORDER BY
    least(areas_in_common, %(areas_at_most)s) * %(per_area)s
    + CASE WHEN supports_phase THEN %(phase)s ELSE 0 END
    + designation_points
    + coalesce(round((%(distance)s * greatest(0, 1 - distance_km / %(zero_at)s))::numeric), 0)
    + round(least(days_left, %(days_at_most)s) * %(per_day)s)
    + current * %(per_current)s DESC,
    distance_km NULLS LAST,
    id
LIMIT %(limit)s
"""


def shortlist_floor(support_request, *, limit=20):
    """The ids of the leaders `shortlist(support_request, limit=limit)` shows, in its order."""
    params = {
        "request": support_request.pk,
        "today": timezone.localdate(),
        "unconfirmed": list(Designation.UNCONFIRMED_STATUSES),
        "active": Designation.Status.ACTIVE,
        "not_sure": NOT_SURE,
        "sought": WEIGHTS.designation_sought,
        "nle": WEIGHTS.nle_for_school_causing_concern,
        "lle": WEIGHTS.lle_for_new_headteacher,
        "sle": WEIGHTS.sle_for_specialism,
        "governance": list(GOVERNANCE_KINDS),
        "governance_points": WEIGHTS.governance,
        "kind_order": [str(kind) for kind in KIND_ORDER],
        "committed": list(Deployment.COMMITTED_STATUSES),
        "live": list(Deployment.LIVE_STATUSES),
        "areas_at_most": WEIGHTS.areas_counted_at_most,
        "per_area": WEIGHTS.per_area_in_common,
        "phase": WEIGHTS.phase_fit,
        "distance": WEIGHTS.distance,
        "zero_at": float(WEIGHTS.distance_zero_at_km),
        "days_at_most": WEIGHTS.days_left_counted_at_most,
        "per_day": WEIGHTS.per_day_left,
        "per_current": WEIGHTS.per_current_deployment,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SQL, params)
        return [leader_id for (leader_id,) in cursor.fetchall()]
