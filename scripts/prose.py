"""Varied Chinese policy prose for the benchmark generators.

Half the sentences are put together from subjects, verbs, objects and
qualifiers of policy language, so text does not repeat one sentence; the
other half are words of a lexicon with the vocabulary of real text: about
4,000 characters and 60,000 words, both as frequent as Zipf's law makes a
real corpus's (a few very common, a long tail of rare ones). Templates alone
use a few hundred characters and a few thousand character pairs, where a
real library of laws uses thousands and hundreds of thousands: a search
index, whose tables and lists grow with the vocabulary, would look far
cheaper than it is on real documents. Everything is drawn from the
`random.Random` passed in (the lexicon from a fixed seed of its own), so a
seed gives the same text every time.
"""

import bisect
import random

SUBJECTS = [
    "各级人民政府", "县级以上地方人民政府", "国务院有关部门", "省级主管部门", "市场监督管理部门",
    "生态环境主管部门", "财政部门", "工业和信息化主管部门", "发展改革部门", "教育行政部门",
    "卫生健康主管部门", "交通运输主管部门", "住房城乡建设部门", "农业农村部门", "自然资源主管部门",
    "应急管理部门", "人力资源社会保障部门", "商务主管部门", "科技主管部门", "统计机构",
    "行业协会", "生产经营单位", "用人单位", "金融机构", "高等学校", "医疗机构", "企业",
    "社会组织", "村民委员会", "居民委员会", "公民、法人和其他组织",
]
VERBS = [
    "应当加强", "负责组织实施", "依法开展", "统筹推进", "建立健全", "不断完善", "积极支持",
    "加快推进", "严格落实", "定期评估", "依法查处", "逐步提高", "鼓励引导", "协调解决",
    "组织编制", "按照规定公开", "合理确定", "依法保障", "有序推动", "监督检查",
]
OBJECTS = [
    "安全生产责任制度", "数字化转型工作", "绿色低碳发展", "先进制造业集群培育", "专精特新企业发展",
    "公共数据开放共享", "中小企业服务体系", "职业技能培训", "生态环境保护", "重点排污单位监测",
    "城乡基础设施建设", "农村人居环境整治", "科技成果转化", "知识产权保护", "营商环境优化",
    "社会信用体系建设", "突发事件应急预案", "公共卫生服务", "义务教育均衡发展", "养老服务体系",
    "财政资金绩效管理", "统计数据质量", "消费者权益保护", "个人信息保护", "网络安全等级保护",
    "危险化学品管理", "耕地保护制度", "水资源节约集约利用", "碳排放权交易", "清洁能源替代",
]
QUALIFIERS = [
    "，并将所需经费纳入本级财政预算", "，具体办法由省级人民政府制定", "，保障其合法权益不受侵害",
    "，定期向社会公布实施情况", "，接受社会监督", "，防止和减少事故发生", "，推动高质量发展",
    "，提高公共服务水平", "，不得擅自变更或者停止", "，确保各项措施落到实处",
    "，对取得显著成绩的单位和个人给予表彰和奖励", "，依照有关法律、行政法规的规定执行",
    "，并报上一级主管部门备案", "，具体标准由国务院有关部门规定", "",
]
NOUNS = [
    "数字经济", "工业互联网", "新能源汽车", "集成电路", "生物医药", "高端装备", "新材料", "节能环保",
    "现代物流", "智慧城市", "乡村振兴", "职业教育", "普惠金融", "跨境电商", "标准化", "质量提升",
]
LATIN = ["5G", "AI", "GDP", "ISO 9001", "PM2.5", "R&D", "ESG", "API", "IPv6", "CPU"]


def _zipf(n, s):
    """Cumulative weights of ranks 1..n, each 1 / rank^s."""
    cum, acc = [], 0.0
    for k in range(n):
        acc += 1.0 / (k + 1) ** s
        cum.append(acc)
    return cum


def _lexicon():
    r = random.Random(20261129)
    chars = r.sample(range(0x4E00, 0x9FA6), 4000)
    ccum = _zipf(len(chars), 1.0)

    def char():
        return chr(chars[bisect.bisect(ccum, r.random() * ccum[-1])])

    return ["".join(char() for _ in range(r.choice((2, 2, 2, 3, 4)))) for _ in range(60000)]


LEXICON = _lexicon()
_WORD_CUM = _zipf(len(LEXICON), 1.05)


def word(rnd):
    return LEXICON[bisect.bisect(_WORD_CUM, rnd.random() * _WORD_CUM[-1])]


def free_sentence(rnd):
    """Two to four clauses of two to five lexicon words."""
    clauses = ["".join(word(rnd) for _ in range(rnd.randint(2, 5))) for _ in range(rnd.randint(2, 4))]
    return "，".join(clauses) + "。"


def sentence(rnd):
    if rnd.random() < 0.5:
        return free_sentence(rnd)
    s = rnd.choice(SUBJECTS) + rnd.choice(VERBS) + rnd.choice(OBJECTS) + rnd.choice(QUALIFIERS)
    if rnd.random() < 0.08:
        s = s.replace("，", f"，推动{rnd.choice(LATIN)}相关应用，", 1) if "，" in s else s + f"，推动{rnd.choice(LATIN)}应用"
    return s + "。"


def paragraph(rnd, sentences=None):
    n = sentences or rnd.randint(2, 5)
    return "".join(sentence(rnd) for _ in range(n))


def items(rnd, n=None):
    """A numbered list body, as laws write them: （一）…；"""
    n = n or rnd.randint(3, 7)
    nums = "一二三四五六七八九十"
    return "".join(f"（{nums[k % 10]}）{rnd.choice(VERBS)}{rnd.choice(OBJECTS)}；\n" for k in range(n))


def noun(rnd):
    return rnd.choice(NOUNS)
