"""What residents say → the department that sees it ("看牙" → 口腔科), for "where to see X"."""

from __future__ import annotations

# Department → words residents use for it (the department's own name always matches).
SPECIALTIES = {
    "儿科": ("儿科", "小孩", "孩子", "宝宝", "儿童", "小儿"),
    "口腔科": ("口腔", "牙", "拔牙", "补牙", "洗牙"),
    "眼科": ("眼科", "眼睛", "近视", "视力"),
    "耳鼻喉科": ("耳鼻喉", "耳朵", "鼻炎", "嗓子", "喉咙"),
    "妇产科": ("妇产", "妇科", "怀孕", "产检", "孕"),
    "骨科": ("骨科", "骨折", "扭伤", "腰疼", "腰痛", "颈椎"),
    "皮肤科": ("皮肤", "湿疹", "过敏"),
    "中医科": ("中医", "针灸", "推拿", "拔罐"),
    "发热门诊": ("发热", "发烧", "高烧", "体温"),
    "预防接种": ("疫苗", "接种", "打针", "预防针"),
    "体检中心": ("体检",),
    "心血管内科": ("心脏", "心血管", "胸闷", "高血压", "血压"),
    "内分泌科": ("糖尿病", "血糖", "甲状腺", "内分泌"),
    "消化内科": ("胃", "肠胃", "消化"),
    "呼吸内科": ("咳嗽", "呼吸", "肺"),
    "精神心理科": ("心理", "失眠", "抑郁", "焦虑"),
    "康复科": ("康复", "理疗"),
    "全科": ("全科", "慢病", "开药", "配药", "感冒"),
    "急诊": ("急诊", "急救", "晚上看病", "夜里", "半夜"),
}


def specialty_in_text(text: str) -> str | None:
    """The department a question asks for, if any (the longest matching word wins)."""
    best, best_len = None, 0
    for department, words in SPECIALTIES.items():
        for word in (department, *words):
            if word in text and len(word) > best_len:
                best, best_len = department, len(word)
    return best
