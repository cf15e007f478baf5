"""Pages of a review panel: staff's panel page and its actions, the expert's reviews, the
declaration and scoring pages, and the issuer's opinion (企业评价) on an opened bid.

Every page of a bid or panel that is not the user's is the same 404 as a missing one.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import db
from ..accounts import queries as account_queries
from ..accounts.models import Organisation, Role, User
from ..bids.access import can_open
from ..bids.models import Bid
from ..challenges import services as challenge_services
from ..challenges.access import is_issuer
from ..challenges.models import Challenge
from ..errors import InvalidTransition, NotFound, ValidationFailed
from ..forms import edit_flow, expected_version
from ..parsing import MAX_ID, parse_id, parse_int
from ..security import roles_required
from . import panels, queries
from .blueprint import bp
from .panel_models import MemberStatus, Panel, PanelMember, PanelStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _challenge_or_404(challenge_id: int) -> Challenge:
    challenge = db.session().get(Challenge, challenge_id) if challenge_id <= MAX_ID else None
    if challenge is None:
        abort(404)
    return challenge


def _to_panel(challenge_id: int):
    return redirect(url_for("review.panel", challenge_id=challenge_id), 303)


def _act(challenge_id: int, action, done: str):
    """Run one staff action; its refusal is flashed on the panel page."""
    try:
        action()
    except NotFound:
        abort(404)
    except (ValidationFailed, InvalidTransition) as exc:
        flash(exc.message, "error")
        return _to_panel(challenge_id)
    flash(done, "success")
    return _to_panel(challenge_id)


# --- staff ----------------------------------------------------------------------------------


@bp.get("/staff/challenges/<int:challenge_id>/panel")
@roles_required(Role.STAFF)
def panel(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    s = db.session()
    the_panel = panels.panel_of(s, challenge.id)
    members = panels.members_of(s, the_panel.id) if the_panel else []
    bids = panels.reviewed_bids(s, challenge.id)
    pool, conflicted = panels.draw_pool(s, challenge, the_panel)
    scores = panels.current_scores(s, the_panel.id) if the_panel else []
    closed = panels.scoring_closed(s, challenge.id)
    return render_template(
        "review/panel.html",
        challenge=challenge,
        panel=the_panel,
        members=members,
        users={u.id: u for u in _users(s, [m.expert_id for m in members])},
        draws=_draws(s, the_panel),
        pool=pool,
        pool_users={u.id: u for u in _users(s, [p.user_id for p in pool])},
        conflicted=conflicted,
        conflicted_users={u.id: u for u in _users(s, [p.user_id for p, _h in conflicted])},
        bids=bids,
        orgs=_orgs(s, bids),
        scores=scores,
        closed=closed,
        ranking=panels.ranking(s, challenge.id) if closed else [],
        started=bool(scores),
        defences=panels.defences_of(s, the_panel.id) if the_panel else [],
        size=panels.panel_size(),
        sealed=panels.is_sealed(challenge),
    )


def _users(s, ids) -> list[User]:
    return account_queries.users_by_id(s, ids)


def _orgs(s, bids) -> dict[int, Organisation]:
    return account_queries.organisations_by_id(s, {b.organisation_id for b in bids})


def _draws(s, the_panel: Panel | None):
    return queries.draws_of(s, the_panel.id) if the_panel is not None else []


@bp.post("/staff/challenges/<int:challenge_id>/panel/pick")
@roles_required(Role.STAFF)
def pick(challenge_id: int):
    _challenge_or_404(challenge_id)
    expert_id = parse_id(request.form.get("expert_id")) or 0
    return _act(
        challenge_id,
        lambda: panels.assign_expert(
            actor=current_user, challenge_id=challenge_id, expert_id=expert_id
        ),
        _("已指定评审专家。"),
    )


@bp.post("/staff/challenges/<int:challenge_id>/panel/draw")
@roles_required(Role.STAFF)
def draw(challenge_id: int):
    _challenge_or_404(challenge_id)
    count = parse_int(request.form.get("count"), minimum=0, maximum=99) or 0
    return _act(
        challenge_id,
        lambda: panels.draw_members(actor=current_user, challenge_id=challenge_id, count=count),
        _("已随机抽取评审专家，抽取记录已保存。"),
    )


@bp.post("/staff/challenges/<int:challenge_id>/panel/members/<int:member_id>/remove")
@roles_required(Role.STAFF)
def remove(challenge_id: int, member_id: int):
    member = db.session().get(PanelMember, member_id) if member_id <= MAX_ID else None
    the_panel = db.session().get(Panel, member.panel_id) if member else None
    if the_panel is None or the_panel.challenge_id != challenge_id:
        abort(404)
    reason = request.form.get("reason", "")
    return _act(
        challenge_id,
        lambda: panels.remove_member(actor=current_user, member_id=member_id, reason=reason),
        _("已将该专家移出评审专家组，请补充专家。"),
    )


@bp.post("/staff/challenges/<int:challenge_id>/panel/form")
@roles_required(Role.STAFF)
def form(challenge_id: int):
    _challenge_or_404(challenge_id)
    return _act(
        challenge_id,
        lambda: panels.form_panel(actor=current_user, challenge_id=challenge_id),
        _("评审专家组已组建，揭榜方案已开启评审，专家已收到通知。"),
    )


@bp.post("/staff/challenges/<int:challenge_id>/panel/shortlist")
@roles_required(Role.STAFF)
def shortlist(challenge_id: int):
    _challenge_or_404(challenge_id)
    ids = [i for i in (parse_id(v) for v in request.form.getlist("bid_id")) if i]
    return _act(
        challenge_id,
        lambda: panels.shortlist_bids(actor=current_user, challenge_id=challenge_id, bid_ids=ids),
        _("入围名单已确定。"),
    )


@bp.post("/staff/challenges/<int:challenge_id>/panel/corrections")
@roles_required(Role.STAFF)
def correct(challenge_id: int):
    _challenge_or_404(challenge_id)
    raw = _score_raw(request.form)
    bid_id = parse_id(request.form.get("bid_id")) or 0
    expert_id = parse_id(request.form.get("expert_id")) or 0
    bid = db.session().get(Bid, bid_id)
    if bid is None or bid.challenge_id != challenge_id:
        abort(404)
    return _act(
        challenge_id,
        lambda: panels.correct_score(
            actor=current_user,
            bid_id=bid_id,
            expert_id=expert_id,
            raw=raw,
            reason=request.form.get("reason", ""),
        ),
        _("更正后的评分已记录，原评分保留在记录中。"),
    )


@bp.route("/staff/challenges/<int:challenge_id>/panel/rubric", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def rubric(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    the_panel = panels.panel_of(db.session(), challenge.id)
    if the_panel is None:
        abort(404)

    def render(raw, errors, status):
        page = render_template(
            "review/rubric.html", challenge=challenge, panel=the_panel, raw=raw, errors=errors
        )
        return page, status

    return edit_flow(
        render=render,
        initial=lambda: {
            "names": [c["name"] for c in the_panel.rubric],
            "weights": [str(c["weight"]) for c in the_panel.rubric],
        },
        read=lambda f: {"names": f.getlist("name"), "weights": f.getlist("weight")},
        save=lambda raw: panels.set_rubric(actor=current_user, challenge_id=challenge.id, raw=raw),
        done=lambda _r: _to_panel(challenge.id),
        saved=_("评分细则已保存。"),
    )


@bp.route("/staff/challenges/<int:challenge_id>/panel/defence", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def defence(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    s = db.session()
    the_panel = panels.panel_of(s, challenge.id)
    if the_panel is None:
        abort(404)
    shortlisted = [s.get(Bid, i) for i in panels.shortlisted_bid_ids(s, challenge.id)]

    def render(raw, errors, status):
        page = render_template(
            "review/defence.html",
            challenge=challenge,
            bids=shortlisted,
            orgs=_orgs(s, shortlisted),
            defences=panels.defences_of(s, the_panel.id),
            raw=raw,
            errors=errors,
        )
        return page, status

    def initial() -> dict:
        slots = {d.bid_id: d for d in panels.defences_of(s, the_panel.id)}
        return {
            "bid_id": [str(b.id) for b in shortlisted],
            "starts_at": [
                slots[b.id].starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
                if b.id in slots
                else ""
                for b in shortlisted
            ],
            "place": [slots[b.id].place if b.id in slots else "" for b in shortlisted],
        }

    return edit_flow(
        render=render,
        initial=initial,
        read=lambda f: {k: f.getlist(k) for k in ("bid_id", "starts_at", "place")},
        save=lambda raw: panels.schedule_defence(
            actor=current_user, challenge_id=challenge.id, slots=_slots(raw)
        ),
        done=lambda _r: _to_panel(challenge.id),
        saved=_("答辩已安排，入围团队已收到通知。"),
    )


def _slots(raw: dict) -> list[tuple[int, datetime, str]]:
    """Rows with a time, in the order typed; a malformed time is refused, not skipped."""
    out = []
    for bid_id, when, place in zip(raw["bid_id"], raw["starts_at"], raw["place"], strict=False):
        if not when.strip():
            continue
        try:
            local = datetime.strptime(when.strip().replace(" ", "T"), "%Y-%m-%dT%H:%M")
        except ValueError:
            message = _("请按 年-月-日 时:分 填写答辩时间，例如 2027-01-15 09:30。")
            raise ValidationFailed(message, field_errors={"slots": [message]}) from None
        out.append((parse_id(bid_id) or 0, local.replace(tzinfo=SHANGHAI), place))
    return out


@bp.post("/staff/challenges/<int:challenge_id>/panel/defence/<int:defence_id>/notes")
@roles_required(Role.STAFF)
def defence_notes(challenge_id: int, defence_id: int):
    _challenge_or_404(challenge_id)
    from .panel_models import Defence

    row = db.session().get(Defence, defence_id) if defence_id <= MAX_ID else None
    the_panel = db.session().get(Panel, row.panel_id) if row else None
    if the_panel is None or the_panel.challenge_id != challenge_id:
        abort(404)
    panels.save_defence_notes(
        actor=current_user, defence_id=defence_id, notes=request.form.get("notes", "")
    )
    flash(_("答辩记录已保存。"), "success")
    return redirect(url_for("review.defence", challenge_id=challenge_id), 303)


# --- experts --------------------------------------------------------------------------------


@bp.get("/expert/reviews")
@roles_required(Role.EXPERT)
def my_reviews():
    s = db.session()
    items = []
    for member, the_panel, challenge in queries.panels_of_expert(s, current_user.id):
        bids = panels.reviewed_bids(s, challenge.id) if member.status in panels.SEATED else []
        mine = {
            sc.bid_id
            for sc in panels.current_scores(s, the_panel.id)
            if sc.expert_id == current_user.id
        }
        items.append((member, the_panel, challenge, bids, mine))
    return render_template("review/my_reviews.html", items=items)


def _seat_or_404(panel_id: int) -> tuple[Panel, PanelMember, Challenge]:
    s = db.session()
    the_panel = s.get(Panel, panel_id) if panel_id <= MAX_ID else None
    member = panels.member_of(s, the_panel.id, current_user.id) if the_panel else None
    if member is None or the_panel.status is PanelStatus.FORMING:
        abort(404)
    return the_panel, member, s.get(Challenge, the_panel.challenge_id)


@bp.route("/expert/reviews/<int:panel_id>/declaration", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def declaration(panel_id: int):
    the_panel, member, challenge = _seat_or_404(panel_id)

    def render(raw, errors, status):
        page = render_template(
            "review/declaration.html", challenge=challenge, member=member, raw=raw, errors=errors
        )
        return page, status

    return edit_flow(
        render=render,
        initial=lambda: {"no_conflict": "", "conflict": ""},
        read=lambda f: {"no_conflict": f.get("no_conflict", ""), "conflict": f.get("conflict", "")},
        save=lambda raw: panels.declare(
            actor=current_user,
            panel_id=the_panel.id,
            no_conflict=bool(raw["no_conflict"]),
            conflict=raw["conflict"],
        ),
        done=lambda m: redirect(url_for("review.my_reviews")),
        saved=_("声明已提交。"),
    )


def _score_raw(form) -> dict:
    raw = {k: v for k, v in form.items() if k.startswith("points_")}
    for name in ("comment", "not_qualified", "not_qualified_reason"):
        raw[name] = form.get(name, "")
    return raw


@bp.route("/expert/reviews/bids/<int:bid_id>", methods=["GET", "POST"])
@roles_required(Role.EXPERT)
def score(bid_id: int):
    s = db.session()
    bid = s.get(Bid, bid_id) if bid_id <= MAX_ID else None
    challenge = s.get(Challenge, bid.challenge_id) if bid else None
    the_panel = panels.panel_of(s, challenge.id) if challenge else None
    member = panels.member_of(s, the_panel.id, current_user.id) if the_panel else None
    if member is not None and member.status is MemberStatus.ASSIGNED:
        flash(_("请先声明有无利益冲突，声明后方可查看方案并评分。"), "error")
        return redirect(url_for("review.declaration", panel_id=the_panel.id))
    # Unassigned, off the panel, or before the deadline: the same 404 as a missing bid.
    if member is None or not can_open(current_user, bid, challenge):
        abort(404)
    content = panels.submitted_content(s, bid)
    indicators = challenge_services.indicators_of(s, challenge.id)
    mine = panels.current_score(s, bid.id, current_user.id)
    visible = panels.can_see_scores(s, current_user, challenge.id)

    def render(raw, errors, status):
        page = render_template(
            "review/score.html",
            challenge=challenge,
            panel=the_panel,
            bid=bid,
            content=content,
            indicators=indicators,
            opinion=panels.opinion_of(s, bid.id),
            aid=panels.coverage(challenge, indicators, content),
            mine=mine,
            others=[sc for sc in panels.current_scores(s, the_panel.id) if sc.bid_id == bid.id]
            if visible
            else [],
            raw=raw,
            errors=errors,
        )
        return page, status

    return edit_flow(
        render=render,
        initial=dict,
        read=_score_raw,
        save=lambda raw: panels.submit_score(actor=current_user, bid_id=bid.id, raw=raw),
        done=lambda _sc: redirect(url_for("review.score", bid_id=bid.id)),
        saved=_("评分已提交。"),
    )


# --- the issuer -----------------------------------------------------------------------------


@bp.route("/bids/<int:bid_id>/opinion", methods=["GET", "POST"])
@roles_required(Role.ENTERPRISE)
def opinion(bid_id: int):
    s = db.session()
    bid = s.get(Bid, bid_id) if bid_id <= MAX_ID else None
    challenge = s.get(Challenge, bid.challenge_id) if bid else None
    if bid is None or not is_issuer(current_user, challenge) or bid.status not in panels.REVIEWED:
        abort(404)
    current = panels.opinion_of(s, bid.id)

    def render(raw, errors, status):
        page = render_template(
            "review/opinion.html",
            challenge=challenge,
            bid=bid,
            opinion=current,
            raw=raw,
            errors=errors,
        )
        return page, status

    return edit_flow(
        render=render,
        initial=lambda: {"body": current.body if current else ""},
        read=lambda f: {"body": f.get("body", "")},
        save=lambda raw: panels.save_opinion(
            actor=current_user,
            bid_id=bid.id,
            body=raw["body"],
            expected_version=expected_version(),
        ),
        done=lambda _o: redirect(url_for("review.opinion", bid_id=bid.id)),
        saved=_("企业评价已保存，评审专家将看到。"),
    )
