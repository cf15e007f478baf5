"""The bidding journey in a real browser: profile, find the challenge, bid, fix, submit, seal.

A researcher builds a capability profile for their team, finds a published challenge, drafts a
bid whose milestone payments add up to 99%, is told exactly that, fixes it and submits, and sees
the receipt with its number and SHA-256 fingerprint. The issuer sees that one bid has arrived but
cannot open it before the deadline: its address is the same 404 as a bid that does not exist.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from marketplace.accounts.models import Role
from tests.e2e import journey
from tests.factories import Factory

ISSUER_ORG = "临海市端到端锂电材料有限公司"
ISSUER_EMAIL = "zhou.gong@li-dian.example.cn"
RESEARCHER_ORG = "台州端到端理工学院"
RESEARCHER_EMAIL = "xu.jiaoshou@tzlg.example.edu.cn"

TEAM_NAME = "先进电池材料创新团队"
MEMBER_NAME = "郑小鹏"
RESEARCH_FIELDS = "高镍三元正极材料的共沉淀合成与表面包覆改性。"
KEYWORDS = "正极材料、共沉淀、连续化"

APPROACH = "采用多釜串联连续共沉淀工艺，在线监测 pH 与氨浓度，闭环控制粒径分布。"
ANSWER_CAPACITY = "通过单晶化与铝镁共掺杂，首次放电比容量预计达到 208 mAh/g。"
ANSWER_CONSISTENCY = "在线粒度监测加自动补料，批次间容量偏差控制在 1.5% 以内。"
SUM_ERROR = "各里程碑拨付比例之和应为 100%，目前为 99%。"


def _expect_not_found(page: Page, url: str) -> str:
    """Open ``url``: it must be the plain 404 page. Returns the page's text to compare."""
    response = page.goto(url)
    assert response is not None and response.status == 404
    expect(journey.h1(page)).to_have_text("404 · 页面不存在")
    return journey.main(page).inner_text()


def test_profile_bid_fix_submit_and_sealed_from_issuer(live_server, page: Page) -> None:
    base = live_server.url
    with live_server.app.app_context():
        factory = Factory(live_server.app)
        issuer = factory.org_user(Role.ENTERPRISE, org_name=ISSUER_ORG, email=ISSUER_EMAIL)
        challenge = factory.challenge(issuer, stage="open")
        title, code = challenge.title, challenge.code
        researcher = factory.org_user(
            Role.RESEARCHER, org_name=RESEARCHER_ORG, email=RESEARCHER_EMAIL
        )
        researcher_name, researcher_id = researcher.name, researcher.id

    # The researcher builds a public capability profile for the team.
    journey.log_in(page, base, RESEARCHER_EMAIL)
    journey.nav(page, "我的团队")
    main = journey.main(page)
    expect(main).to_contain_text("还没有团队画像。")
    main.get_by_role("button", name="新建团队画像").click()
    expect(journey.h1(page)).to_have_text("新建团队画像")
    main.get_by_label("团队名称").fill(TEAM_NAME)
    main.get_by_label("研究方向").fill(RESEARCH_FIELDS)
    main.get_by_label("关键词").fill(KEYWORDS)
    leader = main.get_by_role("group", name="挂帅人")
    # The leader's name is filled in from the account.
    expect(leader.get_by_role("textbox", name="姓名", exact=True)).to_have_value(researcher_name)
    leader.get_by_role("textbox", name="职称", exact=True).fill("教授")
    main.get_by_label("成员姓名 1", exact=True).fill(MEMBER_NAME)
    main.get_by_label("成员职称 1", exact=True).fill("副研究员")
    main.get_by_label("成员分工 1", exact=True).fill("中试放大")
    public = main.get_by_role("checkbox", name=re.compile(r"^公开："))
    expect(public).to_be_checked()  # public by default
    public.check()
    main.get_by_role("button", name="保存", exact=True).click()

    expect(journey.success(page)).to_have_text("团队画像已保存。")
    expect(journey.h1(page)).to_have_text(TEAM_NAME)
    expect(main).to_contain_text(RESEARCHER_ORG)
    expect(main).to_contain_text(RESEARCH_FIELDS)
    expect(main).to_contain_text(KEYWORDS)
    expect(main.get_by_role("row").filter(has_text=MEMBER_NAME)).to_contain_text("中试放大")
    expect(main.get_by_role("status").filter(has_text="不公开")).to_have_count(0)

    # ... finds the published challenge on the public list and opens it.
    journey.nav(page, "榜单")
    card = main.get_by_role("article").filter(has=page.get_by_role("link", name=title))
    expect(card).to_have_count(1)
    expect(card.locator(".code")).to_have_text(code)
    expect(card.locator(".badge")).to_have_text("揭榜中")
    card.get_by_role("link", name=title).click()
    expect(journey.h1(page)).to_have_text(title)
    main.get_by_role("button", name="我要揭榜").click()
    expect(journey.h1(page)).to_have_text(re.compile(r"^揭榜材料 JB\d{4}[0-9A-F]{8}$"))

    # ... fills the bid; the milestone payments add up to 99%.
    leader_select = main.get_by_role("combobox", name="挂帅人（对项目负总责）")
    leader_select.select_option(label=f"{researcher_name}（{RESEARCHER_EMAIL}）")
    main.get_by_label("成员姓名 1", exact=True).fill(MEMBER_NAME)
    main.get_by_label("成员职称 1", exact=True).fill("副研究员")
    main.get_by_label("成员分工 1", exact=True).fill("中试放大")
    main.get_by_label("技术路线与实施方案").fill(APPROACH)
    main.get_by_label("1. 首次放电比容量：≥205 mAh/g").fill(ANSWER_CAPACITY)
    main.get_by_label("2. 批次一致性：≤2 %").fill(ANSWER_CONSISTENCY)
    main.get_by_label("交付成果 1", exact=True).fill("小试工艺定型，提交检测报告")
    main.get_by_label("第几个月 1", exact=True).fill("12")
    main.get_by_label("拨付比例 1", exact=True).fill("40")
    main.get_by_label("交付成果 2", exact=True).fill("中试线连续运行，交付工艺包")
    main.get_by_label("第几个月 2", exact=True).fill("24")
    main.get_by_label("拨付比例 2", exact=True).fill("59")
    main.get_by_label("申请金额（万元）").fill("250")
    main.get_by_role("checkbox", name=re.compile(r"^本单位符合本榜单的揭榜条件")).check()
    main.get_by_role("checkbox", name=re.compile(r"^科研诚信承诺")).check()
    main.get_by_role("button", name="提交揭榜材料").click()

    # It is told precisely what is wrong, and nothing typed is lost.
    alert = main.get_by_role("alert")
    expect(alert).to_contain_text("还不能提交，请按提示修改。您填写的内容已保存为草稿。")
    # The summary at the top names the problem and links to it.
    expect(alert.get_by_role("link", name=SUM_ERROR)).to_have_attribute("href", "#milestones-error")
    expect(main.locator("#milestones-error")).to_have_text(SUM_ERROR)
    expect(main.locator(".field-error")).to_have_count(1)
    expect(leader_select).to_have_value(str(researcher_id))
    expect(main.get_by_label("技术路线与实施方案")).to_have_value(APPROACH)
    expect(main.get_by_label("2. 批次一致性：≤2 %")).to_have_value(ANSWER_CONSISTENCY)
    expect(main.get_by_label("拨付比例 2", exact=True)).to_have_value("59")
    expect(main.get_by_label("申请金额（万元）")).to_have_value("250")
    expect(main.get_by_role("checkbox", name=re.compile(r"^科研诚信承诺"))).to_be_checked()

    # Fixed, it goes in; the receipt shows the bid number and the SHA-256 fingerprint.
    main.get_by_label("拨付比例 2", exact=True).fill("60")
    main.get_by_role("button", name="提交揭榜材料").click()
    expect(page).to_have_url(re.compile(r"/bids/\d+/receipt/1$"))
    expect(journey.success(page)).to_have_text("揭榜材料已提交，请保存回执。")
    expect(journey.h1(page)).to_have_text("揭榜回执")
    expect(page.get_by_test_id("bid-number")).to_have_text(re.compile(r"^JB\d{4}[0-9A-F]{8}$"))
    expect(page.get_by_test_id("bid-sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(main).to_contain_text(f"{code} {title}")
    expect(main).to_contain_text("第 1 版（当前有效版本）")
    bid_id = re.search(r"/bids/(\d+)/receipt/", page.url).group(1)
    journey.log_out(page)

    # The issuer sees that one bid has arrived ...
    journey.log_in(page, base, ISSUER_EMAIL)
    journey.nav(page, "我的榜单")
    main.get_by_role("link", name=title).click()
    expect(journey.h1(page)).to_have_text(title)
    expect(page.get_by_test_id("bid-count")).to_contain_text("已收到 1 份揭榜材料")
    expect(page.get_by_test_id("bid-count")).to_contain_text("截止前密封")

    # ... but before the deadline its address looks exactly like one that does not exist.
    sealed = _expect_not_found(page, f"{base}/bids/{bid_id}")
    missing = _expect_not_found(page, f"{base}/bids/999999")
    assert sealed == missing
    expect(main).not_to_contain_text(APPROACH)
