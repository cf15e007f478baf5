"""Demo research teams, technology achievements (科技成果) and bids (揭榜) for demo.py.

Everything is invented but technically plausible: people, teams, projects and results. Patent
numbers have the shapes CNIPA uses (申请号 with its mod-11 check digit, 公开号) but belong to
no real patent on purpose; a coincidence with a real one would be an accident.

Everything goes through the services inside load_demo's transaction, as a person filling in
the forms would: profiles and achievements from raw form dicts, bids from the posted form
(bids.forms.raw_from_form), then submitted, so versions, receipts and audit events exist.

Keys — PROFILES: leader = e-mail local part of a researcher (the 挂帅人, whose organisation
owns the profile); members and works are (name, title, role) and (kind, title, number, year).
ACHIEVEMENTS: owner = the researcher listing it; team = team_name of one of the owner's
organisation's profiles, or None; price in 万元, "" for 面议. BIDS: challenge = exact title of a
published demo challenge; leader = the researcher who starts the bid and leads it; members are
(name, title, role, organisation — "" for the bidder itself); milestones are (deliverable,
month, percent); answers follow the challenge's indicators in order; revision = fields changed
in a second submitted version; draft = saved but never submitted.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, select
from werkzeug.datastructures import MultiDict

from . import db
from .accounts.models import User
from .bids import services as bids
from .bids.forms import raw_from_form
from .challenges.models import Challenge, Industry
from .challenges.services import indicators_of
from .teams import services as teams
from .teams.models import TeamProfile, TransferMode
from .teams.schemas import parse_achievement, parse_profile

PROFILES: list[dict] = [
    # --- 台州灵湖学院 -------------------------------------------------------------------
    {
        "leader": "chen.jing",
        "team_name": "含氟精细化学品与电解液材料团队",
        "leader_title": "教授",
        "leader_field": "应用化学（有机氟化学）",
        "members": [
            ("王磊", "副教授", "氟化反应机理与催化"),
            ("许婷", "讲师", "电解液配方与电化学评价"),
            ("邵佳琪", "博士后", "气–液连续氟化工艺放大"),
            ("黄宇航", "实验师", "分析测试（GC、IC、卡尔费休）"),
        ],
        "research_fields": (
            "含氟精细化学品绿色合成；锂离子电池电解液添加剂（FEC、DFEC）与新型锂盐（LiFSI、"
            "LiPO₂F₂）的制备与提纯；气–液直接氟化的过程安全与连续化。"
        ),
        "keywords": "直接氟化、氟代碳酸乙烯酯、双氟磺酰亚胺锂、电解液添加剂、锂电池、新材料",
        "equipment": (
            "F₂/N₂ 气–液管式氟化装置（PFA 材质，设计压力 1.0 MPa，含尾气吸收）\n"
            "惰性气体手套箱 2 台（H₂O、O₂ < 0.1 ppm）\n"
            "气相色谱、离子色谱、卡尔费休水分仪、ICP-OES\n"
            "扣式与软包电池组装线、电化学工作站、高低温循环测试柜"
        ),
        "works": [
            ("patent", "一种氟代碳酸乙烯酯的气液连续化制备方法", "ZL202210736418.3", "2024"),
            ("patent", "一种双氟磺酰亚胺锂的重结晶提纯方法", "CN116354921A", "2023"),
            (
                "paper",
                "Gas–liquid direct fluorination of ethylene carbonate in PFA capillary "
                "reactors: selectivity and safety（化工学报）",
                "",
                "2023",
            ),
            ("project", "浙江省重点研发计划：高安全锂电池电解液关键材料", "2023C01198", "2023"),
        ],
    },
    {
        "leader": "liu.yang",
        "team_name": "数控机床精度与智能运维团队",
        "leader_title": "副教授",
        "leader_field": "机械制造及其自动化",
        "members": [
            ("吴志平", "教授", "机床结构动力学与热特性"),
            ("郭倩", "讲师", "数据驱动建模与迁移学习"),
            ("章晓明", "工程师", "数控系统接口与嵌入式开发"),
            ("叶一鸣", "硕士研究生", "温度场与热变形测试"),
        ],
        "research_fields": (
            "数控机床热误差建模与实时补偿；电主轴状态监测与寿命预测；"
            "国产数控系统二次开发；汽车零部件精密加工工艺。"
        ),
        "keywords": "热误差补偿、电主轴、加工中心、数控系统、状态监测、高端装备、汽车零部件",
        "equipment": (
            "激光干涉仪 1 台、球杆仪 1 台\n"
            "电容式位移传感器 5 路（分辨率 10 nm）、多通道温度采集系统（64 路）\n"
            "红外热像仪\n"
            "立式加工中心试验样机 1 台（与本地机床企业共建）"
        ),
        "works": [
            ("patent", "一种基于少测点的电主轴热伸长实时补偿方法", "ZL202310284659.3", "2025"),
            ("patent", "一种主轴热位移非接触测量装置", "ZL 2023 2 1157382.X", "2023"),
            ("paper", "变转速工况下电主轴热误差的迁移学习建模方法（机械工程学报）", "", "2024"),
            ("project", "台州市科技计划：立式加工中心热误差补偿技术开发与应用", "", "2022"),
        ],
    },
    # --- 台州滨海职业技术学院 -------------------------------------------------------------
    {
        "leader": "yang.fan",
        "team_name": "工业视觉与智能检测应用技术团队",
        "leader_title": "教授",
        "leader_field": "检测技术与自动化装置",
        "members": [
            ("钱海峰", "副教授", "光学成像与打光方案设计"),
            ("何思远", "讲师", "小样本缺陷检测算法"),
            ("邱文斌", "高级工程师（企业兼职）", "产线集成与现场部署"),
            ("蔡蕾", "实验师", "样本采集、标注与数据管理"),
        ],
        "research_fields": (
            "反光金属与注塑件表面成像；小样本条件下的工业缺陷检测；检测模型的边缘端部署与产线集成。"
        ),
        "keywords": "机器视觉、缺陷检测、小样本学习、压铸件、注塑件、边缘计算、数字经济",
        "equipment": (
            "多角度环形光、同轴光与结构光成像实验台\n"
            "线阵与面阵工业相机 12 台\n"
            "GPU 服务器 1 台（8 × 24 GB）、边缘计算盒 10 套\n"
            "浙江省高职院校“智能检测”产教融合实训基地"
        ),
        "works": [
            (
                "patent",
                "一种基于多光源分时成像的金属件表面缺陷检测方法",
                "CN117218946A",
                "2023",
            ),
            ("patent", "一种小样本工业缺陷图像生成方法", "ZL202110579134.3", "2023"),
            ("patent", "一种压铸件外观缺陷在线检测工位", "ZL202322461735.1", "2024"),
            ("project", "汽配企业压铸件外观智能检测系统开发（横向）", "", "2024"),
        ],
    },
    # --- 浙江明远工业技术研究院临海分院 ----------------------------------------------------
    {
        "leader": "sun.lixin",
        "team_name": "过程强化与特种反应装备研究中心",
        "leader_title": "研究员",
        "leader_field": "化工过程机械",
        "members": [
            ("彭晓丽", "副研究员", "CFD 模拟与传热强化"),
            ("丁文涛", "高级工程师", "反应器结构设计与制造"),
            ("江浩", "工程师", "安全仪表系统与自控"),
            ("陆婷婷", "助理研究员", "材料腐蚀与表面处理"),
        ],
        "research_fields": (
            "强放热气–液反应的过程强化；耐氟、耐氯腐蚀反应器设计；"
            "降膜与微通道反应器放大；危险化工工艺 HAZOP 与 SIL 评估。"
        ),
        "keywords": "过程强化、降膜反应器、微通道、直接氟化、耐腐蚀、HAZOP、新材料、高端装备",
        "equipment": (
            "镍基合金（Monel 400）多通道降膜反应器中试平台 1 套\n"
            "高速摄像、红外测温与激光诱导荧光液膜测量系统\n"
            "CFD 计算集群（512 核）\n"
            "盐雾、湿热与电化学腐蚀测试系统"
        ),
        "works": [
            (
                "patent",
                "一种用于强放热气液反应的多通道降膜反应器",
                "ZL202110947263.3",
                "2023",
            ),
            ("patent", "一种含氟尾气的多级吸收处理装置", "ZL 2022 2 0815294.3", "2022"),
            ("project", "某氟化工企业年产 5000 吨含氟中间体连续化改造（横向）", "", "2022"),
            ("paper", "降膜微通道内气液直接氟化的传质与温升特性（化工进展）", "", "2024"),
        ],
    },
    {
        # Being put together for the (not yet published) heat-pump challenge: private.
        "leader": "sun.lixin",
        "team_name": "新能源汽车热管理集成模块攻关组（筹建中）",
        "leader_title": "研究员",
        "leader_field": "化工过程机械",
        "private": True,
        "members": [
            ("彭晓丽", "副研究员", "换热器与集成流道仿真"),
            ("江浩", "工程师", "多回路切换控制策略"),
            ("沈一凡", "工程师", "热泵台架试验"),
        ],
        "research_fields": "热泵空调与电池热管理系统仿真；集成阀体流道设计与压损优化。",
        "keywords": "热管理、热泵、集成模块、流道优化、汽车机械",
        "equipment": "焓差环境舱（合作单位）\n流阻与换热性能测试台",
        "works": [
            ("patent", "一种集成式热管理阀体流道结构", "ZL202320938451.4", "2024"),
            ("project", "新能源汽车热管理集成模块预研（院自主课题）", "", "2025"),
        ],
    },
    # --- 台州灵江化工新材料研究院 ---------------------------------------------------------
    {
        "leader": "ma.xiaofeng",
        "team_name": "连续流合成与危险工艺本质安全团队",
        "leader_title": "研究员",
        "leader_field": "制药工程",
        "members": [
            ("叶青", "副研究员", "有机合成与杂质研究"),
            ("潘志强", "高级工程师", "工艺放大与蒸发结晶"),
            ("柳燕", "助理研究员", "分析方法（LC-MS/MS 痕量亚硝胺）"),
            ("何俊杰", "工程师", "反应量热与过程安全评估"),
        ],
        "research_fields": (
            "医药中间体与原料药连续流合成；叠氮化、硝化、重氮化等重点监管危险工艺的"
            "连续化改造；亚硝胺等遗传毒性杂质的风险评估与控制。"
        ),
        "keywords": "连续流、微反应、叠氮化、四氮唑、亚硝胺、原料药、危险工艺、医药健康",
        "equipment": (
            "碳化硅微通道反应器 3 套（持液量 50 mL～1 L）\n"
            "反应量热仪、绝热加速量热仪（ARC）\n"
            "LC-MS/MS（三重四极杆）、GC-MS\n"
            "百公斤级连续流中试车间（甲类防爆）"
        ),
        "works": [
            ("patent", "一种连续流制备 5-取代-1H-四氮唑的方法", "ZL202110385726.1", "2023"),
            ("patent", "一种原料药中亚硝胺类杂质的控制方法", "CN115672043A", "2022"),
            ("patent", "一种联苯甲腈类沙坦中间体的制备方法", "ZL 2008 1 0163542.5", "2010"),
            ("project", "某原料药企业硝化工艺连续化改造（横向）", "", "2021"),
        ],
    },
    # --- 浙江东海海洋生物研究院台州分院 ---------------------------------------------------
    {
        "leader": "luo.bin",
        "team_name": "海洋微生物与生物催化团队",
        "leader_title": "研究员",
        "leader_field": "微生物学",
        "members": [
            ("陶佳", "副研究员", "酶定向进化与高通量筛选"),
            ("范晓东", "助理研究员", "嗜盐菌与高盐废水生物处理"),
            ("沈琳", "工程师", "发酵工艺与酶制剂制备"),
            ("赵一帆", "博士研究生", "酶结构模拟与理性设计"),
        ],
        "research_fields": (
            "海洋来源酮还原酶、转氨酶的挖掘与改造及其在手性医药中间体合成中的应用；"
            "嗜盐微生物强化处理高盐有机废水。"
        ),
        "keywords": "生物催化、酮还原酶、定向进化、手性醇、嗜盐菌、高盐废水、医药健康、环保",
        "equipment": (
            "海洋微生物菌种库（保藏菌株 3000 余株）\n"
            "微孔板高通量筛选系统、流式细胞分选仪\n"
            "5 L～50 L 发酵罐组\n"
            "UPLC、手性 HPLC"
        ),
        "works": [
            (
                "patent",
                "一种来源于海洋链霉菌的酮还原酶突变体及其应用",
                "ZL202210518473.5",
                "2024",
            ),
            (
                "patent",
                "一种耐盐复合菌剂及其处理高盐制药废水的方法",
                "ZL 2020 1 1296358.5",
                "2022",
            ),
            ("paper", "海洋链霉菌酮还原酶的半理性改造及手性氯醇的制备（生物工程学报）", "", "2024"),
            ("project", "国家自然科学基金面上项目：海洋微生物来源羰基还原酶的催化机制", "", "2022"),
        ],
    },
    # --- 临海市第五人民医院 -----------------------------------------------------------------
    {
        "leader": "hu.jianhua",
        "team_name": "骨与关节生物材料临床转化团队",
        "leader_title": "主任医师",
        "leader_field": "骨科学",
        "members": [
            ("金晓东", "副主任医师", "关节外科临床研究"),
            ("王晨", "主治医师", "动物实验与生物力学评价"),
            ("徐斌", "工程师", "医学影像三维重建与 3D 打印"),
            ("葛婷", "主管护师", "临床试验协调（CRC）"),
        ],
        "research_fields": (
            "可降解镁合金骨科内固定器械的临床前与临床评价；3D 打印个性化手术导板；"
            "骨科医疗器械临床试验。"
        ),
        "keywords": "骨科植入物、可降解镁合金、3D 打印、手术导板、医疗器械临床试验、医药健康",
        "equipment": (
            "国家药物（医疗器械）临床试验机构 骨科专业组\n"
            "医用 3D 打印机 2 台（光固化、金属激光选区熔化）\n"
            "电子万能试验机与疲劳试验机\n"
            "大动物实验合作平台"
        ),
        "works": [
            ("patent", "一种用于胫骨高位截骨的个性化导板", "ZL202120674318.3", "2021"),
            ("patent", "一种可降解镁合金骨钉表面复合涂层及其制备方法", "CN116492517A", "2023"),
            ("project", "浙江省医药卫生科技计划：3D 打印导板辅助胫骨高位截骨", "", "2022"),
        ],
    },
]

ACHIEVEMENTS: list[dict] = [
    {
        "owner": "ma.xiaofeng",
        "team": "连续流合成与危险工艺本质安全团队",
        "title": "叠氮化与四氮唑环构建微通道连续流工艺",
        "field": Industry.PHARMA,
        "trl": 6,
        "ip": "发明专利 ZL202110385726.1（已授权）\nCN115672043A（实审中）",
        "mode": TransferMode.LICENCE,
        "price": "120",
        "summary": (
            "以碳化硅微通道反应器完成腈与叠氮化钠的 [3+2] 环加成，把釜式工艺 24 h 以上的"
            "高温反应缩短到 30 min 以内，在线持液量小、叠氮酸无累积，属本质安全改造。\n\n"
            "**主要指标**\n\n"
            "- 反应温度 150～170 ℃，背压 1.5 MPa，停留时间 20～30 min；\n"
            "- 5-取代四氮唑收率 93 %～95 %，HPLC 纯度 ≥ 99.7 %（成盐精制后）；\n"
            "- 300 吨/年 产能所需在线持液量 < 3 L；\n"
            "- 全流程不用 DMF 和胺类助剂，NDMA、NDEA 未检出（定量限 0.005 ppm）。\n\n"
            "已在合作企业中试车间 1 L 反应器上完成 120 h 连续运行。"
            "许可费含工艺包和中试技术指导。"
        ),
    },
    {
        "owner": "chen.jing",
        "team": "含氟精细化学品与电解液材料团队",
        "title": "氟代碳酸乙烯酯气–液直接氟化连续制备技术",
        "field": Industry.MATERIALS,
        "trl": 4,
        "ip": "发明专利 ZL202210736418.3（已授权）",
        "mode": TransferMode.JOINT,
        "price": "",
        "summary": (
            "以 20 % F₂/N₂ 混合气在 PFA 毛细管内与碳酸乙烯酯溶液形成弹状流，一步氟化得到"
            "氟代碳酸乙烯酯（FEC），替代氯代–卤素交换两步法，不产生含盐固废，产品无氯。\n\n"
            "| 指标 | 小试结果 |\n"
            "| --- | --- |\n"
            "| EC 单程转化率 | 86 %～88 % |\n"
            "| FEC 选择性 | 90 %～91 % |\n"
            "| 精制后纯度 | 99.96 % |\n"
            "| 小试产能 | 200 g/d |\n\n"
            "希望与有氟气供应和氟化车间的企业合作开发中试和工程化。"
        ),
    },
    {
        "owner": "chen.jing",
        "team": "含氟精细化学品与电解液材料团队",
        "title": "电池级双氟磺酰亚胺锂（LiFSI）重结晶提纯工艺",
        "field": Industry.MATERIALS,
        "trl": 5,
        "ip": "CN116354921A（实审中）\nCN202410532876.4（实审中）",
        "mode": TransferMode.ASSIGNMENT,
        "price": "260",
        "summary": (
            "采用碳酸酯/烷烃混合溶剂的梯度降温重结晶与低温真空干燥，"
            "解决 LiFSI 粗品中氯离子、硫酸根和水分难以稳定控制的问题。\n\n"
            "- 产品纯度 ≥ 99.95 %，Cl⁻ ≤ 5 ppm，SO₄²⁻ ≤ 20 ppm，水分 ≤ 50 ppm；\n"
            "- 单次重结晶收率 ≥ 88 %，母液溶剂回收率 ≥ 95 %；\n"
            "- 已完成 5 kg/批 放大验证，样品通过 1 家电解液企业的软包电池评价。\n\n"
            "以专利申请权转让方式一次性转让，含放大工艺文件。"
        ),
    },
    {
        "owner": "luo.bin",
        "team": "海洋微生物与生物催化团队",
        "title": "高立体选择性酮还原酶工程菌及手性醇生物催化工艺",
        "field": Industry.PHARMA,
        "trl": 5,
        "ip": "发明专利 ZL202210518473.5（已授权）\n发明专利申请 CN202310867215.2（实审中）",
        "mode": TransferMode.LICENCE,
        "price": "",
        "summary": (
            "从海洋链霉菌中挖掘的酮还原酶经半理性改造，对芳基氯代酮类底物表现出高活性和"
            "高立体选择性，与葡萄糖脱氢酶共表达实现辅酶 NADPH 循环再生。\n\n"
            "- 底物浓度 150 g/L，24 h 转化率 > 99 %，产物 ee > 99.5 %；\n"
            "- 冻干酶粉用量 1.5 %（以底物质量计）；\n"
            "- 已完成 50 L 发酵罐产酶和 20 L 催化验证。\n\n"
            "可按品种进行独占或普通许可，许可费面议。"
        ),
    },
    {
        "owner": "luo.bin",
        "team": "海洋微生物与生物催化团队",
        "title": "耐盐复合菌剂强化处理高盐制药废水技术",
        "field": Industry.ENERGY,
        "trl": 7,
        "ip": "ZL 2020 1 1296358.5（已授权）",
        "mode": TransferMode.ASSIGNMENT,
        "price": "80",
        "summary": (
            "从东海沉积物中筛选的嗜盐菌与耐盐菌复配成复合菌剂，"
            "可在含盐量 3 %～12 % 的条件下稳定降解制药废水中的有机物。\n\n"
            "- 进水 COD 8000～15000 mg/L 时 COD 去除率 60 %～75 %；\n"
            "- 盐度冲击（± 3 %）后 48 h 内恢复；\n"
            "- 已在 2 家化学原料药企业的综合废水站连续运行 1 年以上。\n\n"
            "转让内容含菌种、扩培工艺和工程调试方案。"
        ),
    },
    {
        "owner": "liu.yang",
        "team": "数控机床精度与智能运维团队",
        "title": "电主轴热误差少测点实时补偿软件",
        "field": Industry.EQUIPMENT,
        "trl": 7,
        "ip": "发明专利 ZL202310284659.3（已授权）\n实用新型 ZL202321157382.X（已授权）",
        "mode": TransferMode.LICENCE,
        "price": "35",
        "summary": (
            "基于 6 个温度测点和迁移学习模型预测主轴 Z 向热伸长，通过数控系统外部坐标偏置"
            "接口实时补偿，换转速、换季节无须重新标定。\n\n"
            "- 15000 r/min 连续运转 4 h，Z 向热漂移由 22 μm 降至 4 μm；\n"
            "- 已适配两种国产数控系统，在 12 台立式加工中心上运行。\n\n"
            "按台套许可：35 万元为首期许可费（含 50 台套），此后每台套另计。"
        ),
    },
    {
        "owner": "yang.fan",
        "team": "工业视觉与智能检测应用技术团队",
        "title": "反光金属件表面缺陷小样本视觉检测系统",
        "field": Industry.DIGITAL,
        "trl": 8,
        "ip": (
            "CN117218946A（实审中）\nZL202110579134.3（已授权）\n"
            "实用新型 ZL202322461735.1（已授权）"
        ),
        "mode": TransferMode.EQUITY,
        "price": "300",
        "summary": (
            "多光源分时成像把反光金属表面的划伤、气孔、冷隔等缺陷分离到不同图像通道，"
            "配合缺陷图像生成和小样本检测模型，每类新缺陷只需 30～50 张样本即可上线。\n\n"
            "- 压铸件产线检出率 99.6 %，误报率 0.8 %，节拍 1.2 s/件；\n"
            "- 已在 3 家汽配企业的 5 条产线稳定运行。\n\n"
            "拟以技术作价 300 万元入股，与企业共同设立检测装备公司。"
        ),
    },
    {
        "owner": "sun.lixin",
        "team": "过程强化与特种反应装备研究中心",
        "title": "强放热气液反应用镍基合金多通道降膜反应器",
        "field": Industry.EQUIPMENT,
        "trl": 6,
        "ip": "ZL202110947263.3（已授权）\nZL202220815294.3（已授权）",
        "mode": TransferMode.JOINT,
        "price": "",
        "summary": (
            "竖直排列的矩形微通道内形成 0.2～0.5 mm 液膜，气液比表面积大于 5000 m²/m³，"
            "夹套冷却使反应区温升小于 5 ℃，适用于直接氟化、氯化、磺化等强放热气液反应。\n\n"
            "- 单台 20 通道，液相处理量 50～200 kg/h；\n"
            "- 材质 Monel 400，耐氟气、氟化氢腐蚀；\n"
            "- 已用于 2 家企业含氟中间体的氟化与氯化工段。\n\n"
            "可按企业的具体反应合作设计、制造和调试。"
        ),
    },
    {
        "owner": "hu.jianhua",
        "team": "骨与关节生物材料临床转化团队",
        "title": "可降解镁合金骨钉微弧氧化–聚乳酸复合涂层技术",
        "field": Industry.PHARMA,
        "trl": 4,
        "ip": "CN116492517A（实审中）\n实用新型 ZL202221583046.7（已授权）",
        "mode": TransferMode.EQUITY,
        "price": "",
        "summary": (
            "在镁合金骨钉表面先微弧氧化形成多孔陶瓷层，再浸涂聚乳酸封孔，"
            "使早期降解速率与骨愈合进程相匹配。\n\n"
            "- 模拟体液浸泡 28 d 析氢量较裸镁合金降低 85 %；\n"
            "- 兔股骨髁植入 12 周未见明显气肿，骨–钉界面结合良好。\n\n"
            "寻求医疗器械企业以作价入股方式共同开展型式检验和临床试验，作价面议。"
        ),
    },
    {
        "owner": "sun.lixin",
        "team": "过程强化与特种反应装备研究中心",
        "title": "户外铝合金家具无铬锆钛–硅烷复合转化膜前处理技术",
        "field": Industry.FASHION,
        "trl": 6,
        "ip": "发明专利 ZL202211064927.2（已授权）",
        "mode": TransferMode.LICENCE,
        "price": "45",
        "summary": (
            "在常规锆化液中引入钛盐和双组分硅烷，形成致密复合转化膜，"
            "显著提高粉末涂层的附着力和耐丝状腐蚀性能，无六价铬、无磷。\n\n"
            "- 配合户外级聚酯粉末，中性盐雾 1500 h 划线单边腐蚀 ≤ 1.5 mm；\n"
            "- 丝状腐蚀 1000 h 最大丝长 ≤ 1.8 mm；\n"
            "- 沿用现有前处理槽体，无须新增设备。"
        ),
    },
    {
        "owner": "sun.lixin",
        "team": None,
        "title": "半导体激光器巴条金锡共晶焊低空洞封装工艺",
        "field": Industry.PHOTONICS,
        "trl": 5,
        "ip": "CN202410218365.5（实审中）",
        "mode": TransferMode.ASSIGNMENT,
        "price": "150",
        "summary": (
            "采用预置金锡焊片、甲酸气氛还原和分段控压回流，把巴条与铜钨热沉间的焊层空洞率"
            "控制在 2 % 以下，焊后巴条 Smile 值小于 1 μm。\n\n"
            "- 9xx nm 巴条封装热阻 0.32 K/W；\n"
            "- 样品已通过 1000 次 −40～85 ℃ 温度循环。"
        ),
    },
    {
        "owner": "chen.jing",
        "team": "含氟精细化学品与电解液材料团队",
        "title": "锂电池电解液痕量氟化氢在线监测方法",
        "field": Industry.MATERIALS,
        "trl": 3,
        "ip": "CN202410763921.7（实审中）",
        "mode": TransferMode.JOINT,
        "price": "",
        "private": True,  # patent application still being examined
        "summary": (
            "基于荧光探针的电解液中痕量 HF 快速测定方法，检出限 5 ppm，单次测定 3 min，"
            "已完成实验室原理验证，尚需在灌装线环境下验证稳定性。"
        ),
    },
]

# --- bids ------------------------------------------------------------------------------------

_SARTAN = "沙坦类原料药四氮唑环构建步骤连续流合成工艺开发"
_FEC = "氟代碳酸乙烯酯（FEC）直接氟化连续化工艺"
_BRINE = "化学原料药高盐废水分盐结晶与零排放技术"
_VISION = "压铸与注塑件表面缺陷工业视觉检测系统"

_SARTAN_APPROACH = (
    "以“腈–叠氮 [3+2] 环加成”连续流工艺替代釜式间歇工艺，核心是**把叠氮化步骤的"
    "在线持液量降到数升以内，同时把温度和停留时间推到釜式无法安全达到的窗口**：\n\n"
    "1. 在水–异丙醇体系中以溴化锌为催化剂，叠氮化钠溶液、联苯甲腈底物溶液分两股进料，"
    "在碳化硅微通道反应器中 160 ℃、背压 1.5 MPa 下停留 20～30 min；\n"
    "2. 出口在线冷却后进入连续淬灭模块，残余叠氮在密闭管路内分解，"
    "尾气（N₂、N₂O）经碱液吸收后排放；\n"
    "3. 全流程不使用 DMF、三乙胺等可产生仲胺的溶剂和助剂，亚硝酸盐设残留控制点，"
    "从源头切断 NDMA、NDEA 的生成路径，杂质控制策略按 ICH M7 编写；\n"
    "4. 在线红外监测叠氮特征峰，与 DCS 联锁，超限自动切入应急淬灭罐。\n\n"
    "分小试工艺开发与反应量热、HAZOP 分析、公斤级连续运行验证三个阶段实施。"
)
_SARTAN_TMSN3 = (
    "\n\n**补充（根据发榜方答疑修改）**：中试直接使用企业现有碳化硅微通道反应器"
    "（持液量约 2 L），不再单独购置反应器，申请金额相应调减 40 万元；"
    "第二阶段并行评估三甲基硅基叠氮（TMSN₃）路线，给出两条路线的吨产品成本、"
    "杂质谱和三废对比，由企业确定中试路线。"
)

BIDS: list[dict] = [
    {
        "challenge": _SARTAN,
        "leader": "ma.xiaofeng",
        "requested": "600",
        "approach": _SARTAN_APPROACH,
        "prior_results": (
            "- 在 50 mL 碳化硅微通道反应器上完成 4 种芳基腈的连续流四氮唑化，"
            "收率 93 %～95 %；\n"
            "- 在合作企业中试车间 1 L 反应器上完成 1 种沙坦中间体 120 h 连续运行；\n"
            "- 完成 3 项医药中间体硝化、重氮化工艺的连续化改造，均已通过安全评估并投产；\n"
            "- 授权发明专利 ZL202110385726.1。"
        ),
        "members": [
            ("叶青", "副研究员", "工艺开发与杂质研究", ""),
            ("何俊杰", "工程师", "反应量热与 HAZOP", ""),
            ("柳燕", "助理研究员", "亚硝胺 LC-MS/MS 方法开发与验证", ""),
        ],
        "milestones": [
            ("完成小试工艺开发、反应量热与 HAZOP 分析", 6, 30),
            ("完成公斤级 240 h 连续运行，提交工艺包初稿", 15, 40),
            ("完成连续三批第三方检测，交付工艺包并申请 2 件发明专利", 24, 30),
        ],
        "answers": [
            "小试收率 93.8 %～95.1 %（n = 6）；160 ℃、25 min 的短停留避免了釜式长时间"
            "加热引起的水解副反应，中试目标 ≥ 93 %。",
            "成盐重结晶后小试产品 HPLC 纯度 99.72 %～99.81 %，主要杂质为未反应腈"
            "（≤ 0.08 %）；中试沿用企业现有精制工序。",
            "不使用 DMF 及胺类溶剂和助剂，亚硝酸盐设残留控制点；已建立 LC-MS/MS 方法"
            "（定量限 0.005 ppm），小试样品 NDMA、NDEA 均未检出。",
            "微通道反应器持液量约 2 L，加淬灭管段 0.6 L，合计约 2.6 L；"
            "HAZOP 报告给出最坏情形分析。",
            "安排一轮不少于 240 h 的不间断运行；设进料中断、堵塞、超温三类联锁并做切换演练。",
        ],
        "revision": {
            "requested": "560",
            "approach": _SARTAN_APPROACH + _SARTAN_TMSN3,
            "milestones": [
                ("完成小试工艺开发与反应量热", 4, 20),
                ("完成 HAZOP 及 NaN₃、TMSN₃ 两条路线的成本与杂质谱对比，确定中试路线", 9, 20),
                ("在企业碳化硅微通道反应器上完成 240 h 公斤级连续运行", 16, 35),
                ("完成连续三批第三方检测，交付工艺包并申请 2 件发明专利", 24, 25),
            ],
        },
    },
    {
        "challenge": _FEC,
        "leader": "sun.lixin",
        "requested": "420",
        "approach": (
            "以团队自主设计的**镍基合金多通道降膜反应器**为核心：\n\n"
            "1. 以 FEC 产物回流稀释碳酸乙烯酯（质量比约 1 : 1）形成低熔点液相，"
            "在竖直微通道内形成 0.2～0.5 mm 液膜，与 20 % F₂/N₂ 并流接触，"
            "反应区温度控制在 30～40 ℃，避免局部过热造成多氟代；\n"
            "2. 沿通道三点分段补氟，单点 F₂/EC 摩尔比不超过 0.4，总比 1.05～1.10；\n"
            "3. 出口液相经氮气吹扫脱除 HF 后，两塔减压精馏加熔融结晶精制；\n"
            "4. 含 HF、F₂ 的尾气经氧化铝固定床与 KOH 多级吸收处理；\n"
            "5. 氟气流量、反应温度、尾气 F₂ 浓度三重 SIS 联锁，满足氟化工艺重点监管要求。"
        ),
        "prior_results": (
            "- 降膜反应器已在 2 家企业用于含氟中间体的氟化和氯化工段；\n"
            "- 授权发明专利 ZL202110947263.3、实用新型 ZL202220815294.3；\n"
            "- 完成某氟化工企业年产 5000 吨含氟中间体连续化改造，已通过竣工验收。"
        ),
        "members": [
            ("彭晓丽", "副研究员", "CFD 模拟与反应器优化", ""),
            ("丁文涛", "高级工程师", "中试装置设计与制造", ""),
            ("江浩", "工程师", "SIS 联锁与自控", ""),
            ("陆婷婷", "助理研究员", "材质选型与腐蚀监测", ""),
        ],
        "milestones": [
            ("完成 20 通道反应器工艺优化与选择性验证", 6, 25),
            ("完成中试装置设计、制造、安装及 HAZOP、SIL 评估", 13, 35),
            ("完成 ≥ 500 h 中试连续运行，交付 100 kg 样品及第三方检测报告", 22, 40),
        ],
        "answers": [
            "分段补氟、总 F₂/EC 摩尔比 1.05～1.10；实验室样机单程转化率 86 %～89 %。",
            "液膜厚度 ≤ 0.5 mm、反应区温升 < 5 ℃，样机选择性 90.5 %～92.3 %，"
            "主要副产物为二氟代碳酸乙烯酯。",
            "两塔减压精馏加熔融结晶，中试目标 ≥ 99.97 %，第三方 GC 检测。",
            "精馏塔顶分子筛脱水，全程氮封包装，出料在线水分监测，目标 ≤ 15 ppm。",
            "中试装置按 24 h 连续运行设计，计划一次不间断运行 ≥ 600 h，DCS 数据全程留存。",
        ],
    },
    {
        "challenge": _FEC,
        "leader": "chen.jing",
        "requested": "380",
        "approach": (
            "采用**PFA 毛细管气–液弹状流直接氟化**，以模块并联方式放大：\n\n"
            "1. EC 以乙腈稀释至 30 %（质量分数），与 20 % F₂/N₂ 在内径 1 mm 的 PFA 毛细管中"
            "形成稳定弹状流，液膜薄、传质快，反应温度 0～10 ℃；\n"
            "2. 单模块 16 根毛细管并联，中试以 8 个模块并联达到 20 kg/d，"
            "放大不改变单管流动状态；\n"
            "3. 出口液相脱气脱 HF 后精馏回收乙腈，FEC 经精馏与重结晶精制；\n"
            "4. 团队的电解液平台同步完成软包电池评价，把产品指标与电池性能直接关联。"
        ),
        "prior_results": (
            "- 小试（200 g/d）EC 单程转化率 86 %～88 %，FEC 选择性 90 %～91 %；\n"
            "- 授权发明专利 ZL202210736418.3；\n"
            "- 具备扣式、软包电池组装与评价能力，可为下游客户评价提供数据。"
        ),
        "members": [
            ("王磊", "副教授", "氟化反应与选择性控制", ""),
            ("邵佳琪", "博士后", "模块化并联放大", ""),
            ("许婷", "讲师", "电解液与电池评价", ""),
            ("黄宇航", "实验师", "分析检测", ""),
        ],
        "milestones": [
            ("小试工艺定型：转化率 ≥ 85 %、选择性 ≥ 90 %", 8, 30),
            ("8 模块并联中试装置在企业氟化实验室连续运行 ≥ 500 h", 18, 45),
            ("完成精制工艺，交付 100 kg 电池级样品及第三方检测报告", 24, 25),
        ],
        "answers": [
            "弹状流强化传质，小试转化率 86 %～88 %；中试通过延长停留时间目标 ≥ 87 %。",
            "低温（0～10 ℃）与乙腈稀释抑制多氟代，小试选择性 90 %～91 %。",
            "精馏加重结晶精制，小试产品纯度 99.96 %。",
            "乙腈精馏回收后分子筛深度脱水，成品氮封包装，小试水分 12～18 ppm。",
            "模块可单独切出检修而不停车，计划连续运行 ≥ 500 h。",
        ],
    },
    {
        "challenge": _BRINE,
        "leader": "luo.bin",
        "requested": "520",
        "approach": (
            "**耐盐生化 + 催化臭氧氧化 + 纳滤分盐 + 分质结晶** 四段工艺：\n\n"
            "1. 预处理：调节 pH 后进入投加耐盐复合菌剂的 MBBR 生化段"
            "（菌群耐受含盐量 12 %），去除可生化 COD 60 % 以上；\n"
            "2. 深度处理：非均相催化臭氧氧化（Mn–Ce/γ-Al₂O₃ 催化剂）去除难降解有机物，"
            "出水 TOC ≤ 100 mg/L，不投加铁盐、不产生含铁污泥；\n"
            "3. 分盐：两级纳滤把硫酸钠截留在浓水侧、氯化钠透过到产水侧，"
            "硫酸根截留率 ≥ 98 %；\n"
            "4. 结晶：产水侧 MVR 蒸发结晶得氯化钠；浓水侧冷冻结晶得芒硝，"
            "再熔融重结晶得无水硫酸钠；少量母液干燥为杂盐。\n\n"
            "联合体分工：本院负责生化与高级氧化段，台州灵江化工新材料研究院负责纳滤分盐、"
            "蒸发结晶工艺与中试装置集成。"
        ),
        "prior_results": (
            "- 耐盐复合菌剂已获发明专利 ZL 2020 1 1296358.5，"
            "在 2 家原料药企业综合废水站运行 1 年以上；\n"
            "- 灵江研究院团队完成过某农药企业 80 t/d 分盐结晶装置的工艺设计；\n"
            "- 已用企业提供的水样完成 200 L 小试。"
        ),
        "members": [
            ("范晓东", "助理研究员", "耐盐生化段", ""),
            ("陶佳", "副研究员", "菌剂扩培与质量控制", ""),
            ("沈琳", "工程师", "催化臭氧氧化中试", ""),
            ("潘志强", "高级工程师", "纳滤分盐与蒸发结晶", "台州灵江化工新材料研究院"),
        ],
        "milestones": [
            ("取得水质数据，完成 200 L/d 小试并确定工艺路线", 5, 25),
            ("完成 5 t/d 中试装置设计、制造与安装调试", 11, 30),
            ("完成连续 3 个月中试运行及分盐产品第三方检测", 18, 30),
            ("提交 150 t/d 工程化设计方案及投资、运行成本测算", 24, 15),
        ],
        "answers": [
            "纳滤产水硫酸根 ≤ 300 mg/L，结晶母液定期排放，小试氯化钠纯度 99.1 %。",
            "冷冻结晶加熔融重结晶两步法，小试无水硫酸钠纯度 98.2 %。",
            "母液排放量控制在进水总盐量的 3 %～4 %，物料衡算杂盐产率 ≤ 4.5 %。",
            "测算吨水运行成本约 70 元：电耗 31 元、臭氧 12 元、膜折旧与药剂 18 元、"
            "菌剂 3 元、人工及其他 6 元；副产盐收入未计入。",
        ],
    },
    {
        # Waiting for the issuer's answer on the samples: saved, not submitted.
        "challenge": _VISION,
        "leader": "yang.fan",
        "draft": True,
        "requested": "100",
        "approach": (
            "多光源分时成像加小样本缺陷检测：环形低角度光突出冷隔和裂纹，同轴光突出气孔，"
            "结构光测量缺料与飞边；检测模型部署在产线边缘计算盒上。\n\n"
            "（待发榜方答复样本标注情况后补充数据方案。）"
        ),
        "prior_results": "- 系统已在 3 家汽配企业的 5 条产线运行。",
        "members": [
            ("钱海峰", "副教授", "成像方案", ""),
            ("何思远", "讲师", "检测算法", ""),
        ],
        "milestones": [
            ("完成两条产线的成像方案与样本采集", 4, 40),
            ("完成部署与 1 个月连续运行", 12, 60),
        ],
        "answers": [
            "现有系统在压铸件产线检出率 99.6 %。",
            "误报率 0.8 %。",
        ],
    },
]


def _profile_raw(item: dict, leader: User) -> dict:
    """The raw profile form input for one entry of PROFILES."""
    return {
        "team_name": item["team_name"],
        "leader_name": leader.name,
        "leader_title": item["leader_title"],
        "leader_field": item["leader_field"],
        "research_fields": item["research_fields"],
        "keywords": item["keywords"],
        "equipment": item["equipment"],
        "is_public": "" if item.get("private") else "on",
        "members": [{"name": n, "title": t, "role": r} for n, t, r in item["members"]],
        "works": [
            {"kind": kind, "title": title, "number": number, "year": year}
            for kind, title, number, year in item["works"]
        ],
    }


def _achievement_raw(item: dict, team: TeamProfile | None) -> dict:
    """The raw achievement form input for one entry of ACHIEVEMENTS."""
    return {
        "title": item["title"],
        "field": item["field"].value,
        "summary": item["summary"],
        "trl": str(item["trl"]),
        "ip_status": item["ip"],
        "transfer_mode": item["mode"].value,
        "asking_price": item["price"],
        "team_id": str(team.id) if team else "",
        "is_public": "" if item.get("private") else "on",
    }


def _bid_form(item: dict, leader: User, indicator_ids: list[int]) -> MultiDict:
    """The bid form as the browser posts it (rows as parallel lists, ticked boxes as "on")."""
    members, milestones = item["members"], item["milestones"]
    form: dict = {
        "leader_id": str(leader.id),
        "approach": item["approach"],
        "prior_results": item["prior_results"],
        "requested_amount": item["requested"],
        "member_name": [m[0] for m in members],
        "member_title": [m[1] for m in members],
        "member_role": [m[2] for m in members],
        "member_organisation": [m[3] for m in members],
        "milestone_deliverable": [m[0] for m in milestones],
        "milestone_month": [str(m[1]) for m in milestones],
        "milestone_percent": [str(m[2]) for m in milestones],
    }
    # A draft may leave indicators unanswered; a submitted bid answers every one.
    for indicator_id, answer in zip(indicator_ids, item["answers"], strict=False):
        form[f"answer_{indicator_id}"] = answer
    if not item.get("draft"):
        form.update(eligibility_confirmed="on", integrity_confirmed="on")
    return MultiDict(form)


def _load_bid(s: Session, item: dict, leader: User) -> None:
    challenge = s.exec(select(Challenge).where(Challenge.title == item["challenge"])).one()
    indicator_ids = [i.id for i in indicators_of(s, challenge.id)]
    if not item.get("draft") and len(item["answers"]) != len(indicator_ids):
        raise RuntimeError(f"demo bid on {challenge.title!r} must answer every indicator")
    bid = bids.start_bid(actor=leader, challenge_id=challenge.id)
    versions = [item, {**item, **item["revision"]}] if "revision" in item else [item]
    for version in versions:
        raw = raw_from_form(_bid_form(version, leader, indicator_ids))
        bids.save_draft(actor=leader, bid_id=bid.id, raw=raw, expected_version=bid.version_id)
        if not item.get("draft"):
            bids.submit_bid(actor=leader, bid_id=bid.id, idempotency_key=uuid.uuid4().hex)


@db.transactional
def load_teams(s: Session, researchers: dict[str, User]) -> None:
    """Profiles, achievements and bids; ``researchers`` by e-mail local part."""
    profiles: dict[tuple[int, str], TeamProfile] = {}
    for item in PROFILES:
        leader = researchers[item["leader"]]
        profile = teams.create_profile(actor=leader, data=parse_profile(_profile_raw(item, leader)))
        profiles[leader.organisation_id, profile.team_name] = profile
    for item in ACHIEVEMENTS:
        owner = researchers[item["owner"]]
        team = profiles[owner.organisation_id, item["team"]] if item["team"] else None
        data = parse_achievement(_achievement_raw(item, team))
        teams.create_achievement(actor=owner, data=data)
    for item in BIDS:
        _load_bid(s, item, researchers[item["leader"]])
