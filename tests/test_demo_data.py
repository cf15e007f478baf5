"""The demo data set a newcomer gets from `make run`: its logins, and what it puts in each table.

The figures were recorded from the demo as it was before its data moved into data files
(marketplace/demo/*.toml); a change to the demo content shows up here and should be deliberate.
"""

from __future__ import annotations

import fnmatch
import shutil
import tomllib
from collections import Counter
from importlib import resources
from pathlib import Path

import click
import pytest
from sqlalchemy import func, select

from marketplace import create_app, db
from marketplace.demo import DEMO_PASSWORD, load_demo
from marketplace.models import metadata

from .conftest import BACKENDS, _truncate_postgres, base_config

# (role, e-mail, name) in the order `marketplace demo` prints them.
LOGINS = [
    ("staff", "staff1@kjj.linhai.example.cn", "林晓东"),
    ("staff", "staff2@kjj.linhai.example.cn", "郑雅琴"),
    ("admin", "admin@kjj.linhai.example.cn", "何建平"),
    ("enterprise", "zhang.wei@chengkang-pharma.example.cn", "张伟"),
    ("enterprise", "wang.fang@ruilin-bio.example.cn", "王芳"),
    ("enterprise", "li.qiang@jingrui-auto.example.cn", "李强"),
    ("enterprise", "lin.jing@senyue-outdoor.example.cn", "林静"),
    ("enterprise", "zhou.haiyang@huatuo-materials.example.cn", "周海洋"),
    ("enterprise", "wu.min@hongsheng-fluoro.example.cn", "吴敏"),
    ("enterprise", "xu.zhigang@qinglan-pv.example.cn", "徐志刚"),
    ("enterprise", "jin.xiaoyan@qingxi-env.example.cn", "金晓燕"),
    ("enterprise", "zheng.hao@qingyue-equip.example.cn", "郑浩"),
    ("enterprise", "he.li@jinghui-opto.example.cn", "何丽"),
    ("enterprise", "pan.jun@qicheng-digital.example.cn", "潘俊"),
    ("enterprise", "jiang.bin@deshun-hardware.example.cn", "蒋斌"),
    ("researcher", "chen.jing@linghu-college.example.cn", "陈静"),
    ("researcher", "yang.fan@binhai-poly.example.cn", "杨帆"),
    ("researcher", "sun.lixin@mingyuan-iit.example.cn", "孙立新"),
    ("researcher", "ma.xiaofeng@lingjiang-ncm.example.cn", "马晓峰"),
    ("researcher", "luo.bin@donghai-marine.example.cn", "罗斌"),
    ("researcher", "hu.jianhua@lh5h.example.cn", "胡建华"),
    ("researcher", "liu.yang@linghu-college.example.cn", "刘洋"),
    ("researcher", "zhou.min@linghu-college.example.cn", "周敏"),
    ("expert", "wu.jianguo@experts.example.cn", "吴建国"),
    ("expert", "zheng.lihua@experts.example.cn", "郑丽华"),
    ("expert", "huang.zhiyuan@experts.example.cn", "黄志远"),
    ("expert", "chen.siyuan@experts.example.cn", "陈思远"),
    ("expert", "lin.guodong@experts.example.cn", "林国栋"),
    ("expert", "wang.haiyan@experts.example.cn", "王海燕"),
    ("expert", "xu.liqun@experts.example.cn", "徐立群"),
    ("expert", "cai.wenbo@experts.example.cn", "蔡文博"),
    ("expert", "fang.xiaolin@experts.example.cn", "方晓琳"),
    ("expert", "shen.lihua@experts.example.cn", "沈立华"),
    ("expert", "qian.huimin@experts.example.cn", "钱慧敏"),
    ("expert", "yu.jianxin@experts.example.cn", "俞建新"),
]

# Rows per table the demo could fill. The audit trail, search outbox and notifications are left
# out: the services write them on the side, and they change when a service does, not the demo.
ROWS = {
    "organisation": 19,
    "user_account": 35,
    "challenge": 23,  # and three more in demo/projects.toml, awarded, their projects running
    "challenge_code_counter": 1,
    "challenge_indicator": 77,
    "challenge_question": 5,
    "challenge_amendment": 1,
    "challenge_attachment": 0,
    "team_profile": 8,
    "achievement": 12,
    "bid": 12,
    "bid_version": 12,
    "bid_attachment": 0,
    "integrity_record": 2,  # a bar in force, and one lifted by 信用修复 (demo/integrity.toml)
    "integrity_repair": 1,
    "login_session": 0,
    "search_subscription": 0,
    # The expert pool and a review half-way through scoring (demo/review.toml).
    "expert_profile": 12,
    "expert_field": 42,
    # …and three more panels, fully scored and shortlisted, for the awards (demo/awards.toml).
    "review_panel": 7,
    "review_draw": 7,
    "review_panel_member": 23,
    "review_score": 26,
    "review_opinion": 1,
    "review_defence": 0,
    # Two awards in 公示 (one of them 赛马 with two teams), one confirmed with its project, and
    # a 流榜 (demo/awards.toml).
    "award": 6,
    "award_share": 7,
    "award_objection": 0,
    "award_objection_attachment": 0,
    "challenge_failure": 1,
    # demo/projects.toml: three more awards confirmed and the 赛马 award of awards.toml too.
    # Projects: one awaiting its 任务书, one running (a milestone paid, one overdue, one due),
    # one suspended after a failed review, one completed with 验收 and 决算, two racing.
    "project": 6,
    "project_counter": 1,
    "project_indicator": 15,
    "project_task_book_confirmation": 15,
    "project_milestone": 16,
    "project_milestone_report": 4,
    "project_report_attachment": 4,
    "project_plan_version": 5,
    "project_acceptance": 1,
    "project_final_account": 1,
    "ledger_tranche": 12,
    "ledger_movement": 19,
}
SIDE_EFFECTS = {"audit_event", "search_outbox", "notification"}

# (table, column) → rows per value.
STATES = {
    ("organisation", "status"): {"verified": 17, "pending": 1, "rejected": 1},
    ("organisation", "kind"): {
        "enterprise": 12,
        "institute": 3,
        "university": 2,
        "government": 1,
        "hospital": 1,
    },
    ("user_account", "role"): {
        "enterprise": 12,
        "researcher": 8,
        "expert": 12,
        "staff": 2,
        "admin": 1,
    },
    ("user_account", "membership"): {"approved": 21, "none": 13, "pending": 1},
    ("challenge", "status"): {
        "published": 10,
        "in_review": 1,
        "awarded": 6,
        "failed": 1,
        "pending_review": 2,
        "draft": 2,
        "cancelled": 1,
    },
    ("challenge", "field"): {
        "pharma": 3,
        "auto": 2,
        "fashion": 2,
        "materials": 5,
        "energy": 4,
        "equipment": 3,
        "photonics": 2,
        "digital": 2,
    },
    ("bid", "status"): {"submitted": 2, "opened": 2, "draft": 1, "awarded": 7},
    ("review_panel", "status"): {"reviewing": 1, "shortlisted": 6},
    ("review_panel_member", "status"): {"submitted": 20, "declared": 2, "assigned": 1},
    ("award", "status"): {"publicity": 1, "confirmed": 5},
    ("award", "kind"): {"single": 5, "parallel": 1},
    ("project", "status"): {"task_book": 1, "active": 3, "suspended": 1, "completed": 1},
    ("project", "kind"): {"single": 4, "race": 2},
    ("project_milestone", "status"): {"accepted": 3, "failed": 1, "planned": 12},
    ("ledger_tranche", "status"): {"released": 8, "pending": 4},
    ("challenge_amendment", "status"): {"approved": 1},
    ("integrity_record", "measure"): {"bar": 2},
    ("integrity_repair", "status"): {"approved": 1},
    ("team_profile", "is_public"): {True: 7, False: 1},
    ("achievement", "is_public"): {True: 11, False: 1},
}


@pytest.fixture(scope="module", params=BACKENDS)
def demo_app(request, tmp_path_factory):
    """One app per backend with the demo loaded through the CLI; its printed output."""
    tmp = tmp_path_factory.mktemp(f"demo_{request.param}")
    if request.param == "sqlite":
        path = tmp / "demo.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _truncate_postgres(url)
    app = create_app(base_config(tmp, url))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["marketplace", "demo"])
        assert result.exit_code == 0, result.output
        yield app, result.output
    app.extensions["db_engine"].dispose()


def _table(name: str):
    return metadata.tables[name]


def test_demo_prints_every_login_and_the_shared_password(demo_app):
    _, output = demo_app
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[0] == f"Demo accounts (password for all: {DEMO_PASSWORD}):"
    assert DEMO_PASSWORD == "Linhai-Demo-2026"
    assert [tuple(line.split()) for line in lines[1:]] == LOGINS


def test_demo_fills_each_table_as_recorded(demo_app):
    s = db.session()
    counts = {t: s.exec(select(func.count()).select_from(_table(t))).one()[0] for t in ROWS}
    assert counts == ROWS
    for name in SIDE_EFFECTS:  # the demo goes through the services, so the trail exists
        assert s.exec(select(func.count()).select_from(_table(name))).one()[0] > 0


@pytest.mark.parametrize(("table", "column"), list(STATES))
def test_demo_has_every_state_as_recorded(demo_app, table, column):
    rows = db.session().exec(select(_table(table).c[column])).all()
    values = Counter(getattr(value, "value", value) for (value,) in rows)
    assert values == STATES[table, column]


def test_demo_review_history_and_questions_are_as_recorded(demo_app):
    s = db.session()
    challenge, question = _table("challenge"), _table("challenge_question")
    returned = s.exec(select(challenge.c.title).where(challenge.c.review_comment != "")).all()
    assert [title for (title,) in returned] == ["户外家具用抗紫外防霉功能性面料"]
    cancelled = s.exec(
        select(challenge.c.title, challenge.c.cancel_reason).where(challenge.c.cancel_reason != "")
    ).all()
    assert [title for title, _ in cancelled] == ["TOPCon 电池背面多晶硅钝化层低温沉积工艺"]
    answered = s.exec(
        select(func.count()).select_from(question).where(question.c.answered_at.is_not(None))
    ).one()[0]
    assert answered == 4  # and one question on the vision challenge still waits
    coded = s.exec(
        select(func.count()).select_from(challenge).where(challenge.c.code.is_not(None))
    ).one()[0]
    assert (
        coded == 19
    )  # every challenge published once: open, cancelled, in review, awarded, failed


def test_demo_shows_each_award_outcome(demo_app):
    """公示 (single and 赛马), a confirmed award with its project, and a 流榜 with its reason."""
    s = db.session()
    challenge, award, share = _table("challenge"), _table("award"), _table("award_share")
    rows = s.exec(
        select(challenge.c.title, award.c.kind, award.c.status, func.count(share.c.id))
        .join(award, award.c.challenge_id == challenge.c.id)
        .join(share, share.c.award_id == award.c.id)
        .group_by(challenge.c.title, award.c.kind, award.c.status)
        .order_by(challenge.c.title)
    ).all()
    assert sorted(tuple(r) for r in rows) == sorted(
        [
            ("五轴加工中心刀具磨损在线监测与换刀决策", "single", "publicity", 1),
            ("甲基乙烯基硅橡胶生胶低分子环硅氧烷深度脱除工艺", "single", "confirmed", 1),
            ("车载激光雷达 905 nm 脉冲激光芯片高温功率衰减抑制", "parallel", "confirmed", 2),
            ("光伏组件 EL 隐裂缺陷在线智能检测系统", "single", "confirmed", 1),
            ("印染废水高盐浓水分质结晶与资源化", "single", "confirmed", 1),
            ("不锈钢厨具拉伸件表面拉痕在线视觉检测", "single", "confirmed", 1),
        ]
    )
    project = _table("project")
    numbers = s.exec(
        select(project.c.number, challenge.c.title).join(
            challenge, challenge.c.id == project.c.challenge_id
        )
    ).all()
    assert (numbers[0][0][:5], numbers[0][1]) == (
        "LHXM-",
        "甲基乙烯基硅橡胶生胶低分子环硅氧烷深度脱除工艺",
    )
    assert len(numbers) == 6  # and one per racing team of the 赛马 award (demo/projects.toml)
    failure = _table("challenge_failure")
    failed = s.exec(
        select(challenge.c.title, failure.c.reason).join(
            failure, failure.c.challenge_id == challenge.c.id
        )
    ).all()
    assert [title for title, _ in failed] == ["小微制造企业老旧设备低成本联网数据采集网关"]
    assert "未收到揭榜方案" in failed[0][1]


def test_demo_notices_list_the_awards(demo_app):
    app, _ = demo_app
    body = app.test_client().get("/notices").get_data(as_text=True)
    for title in (
        "五轴加工中心刀具磨损在线监测与换刀决策",
        "甲基乙烯基硅橡胶生胶低分子环硅氧烷深度脱除工艺",
        "车载激光雷达 905 nm 脉冲激光芯片高温功率衰减抑制",
    ):
        assert title in body


def test_demo_refuses_to_load_twice(demo_app):
    with pytest.raises(click.ClickException, match="already loaded"):
        load_demo()


def test_demo_data_files_ship_with_the_package():
    """Every data file is declared package data, so a non-editable install has it too."""
    files = {p.name for p in resources.files("marketplace.demo").iterdir() if p.is_file()}
    data_files = {name for name in files if not name.endswith(".py")}
    assert data_files == {
        "organisations.toml",
        "challenges.toml",
        "teams.toml",
        "bids.toml",
        "integrity.toml",
        "review.toml",
        "awards.toml",
        "projects.toml",
    }
    pyproject = tomllib.loads(
        (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    )
    globs = pyproject["tool"]["setuptools"]["package-data"]["marketplace.demo"]
    assert all(any(fnmatch.fnmatch(name, g) for g in globs) for name in data_files)
