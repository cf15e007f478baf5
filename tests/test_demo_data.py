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
]

# Rows per table the demo could fill. The audit trail, search outbox and notifications are left
# out: the services write them on the side, and they change when a service does, not the demo.
ROWS = {
    "organisation": 19,
    "user_account": 26,
    "challenge": 16,
    "challenge_code_counter": 1,
    "challenge_indicator": 59,
    "challenge_question": 5,
    "challenge_amendment": 1,
    "challenge_attachment": 0,
    "team_profile": 8,
    "achievement": 12,
    "bid": 5,
    "bid_version": 5,
    "bid_attachment": 0,
    "integrity_record": 2,  # a bar in force, and one lifted by 信用修复 (demo/integrity.toml)
    "integrity_repair": 1,
    "login_session": 0,
    "search_subscription": 0,
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
        "expert": 3,
        "staff": 2,
        "admin": 1,
    },
    ("user_account", "membership"): {"approved": 21, "none": 4, "pending": 1},
    ("challenge", "status"): {"published": 11, "pending_review": 2, "draft": 2, "cancelled": 1},
    ("challenge", "field"): {
        "pharma": 3,
        "auto": 2,
        "fashion": 2,
        "materials": 3,
        "energy": 3,
        "equipment": 1,
        "photonics": 1,
        "digital": 1,
    },
    ("bid", "status"): {"submitted": 4, "draft": 1},
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
    assert coded == 12  # the published ones, and the one cancelled after publication


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
    }
    pyproject = tomllib.loads(
        (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    )
    globs = pyproject["tool"]["setuptools"]["package-data"]["marketplace.demo"]
    assert all(any(fnmatch.fnmatch(name, g) for g in globs) for name in data_files)
