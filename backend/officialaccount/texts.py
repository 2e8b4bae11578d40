"""What the official account says on its own (not the bot): welcome, menu, and answers to what it cannot read."""

from __future__ import annotations

WELCOME = (
    "欢迎关注江宁“指尖政务”！我是政务小助手，您可以直接给我发消息：\n"
    "· 问办事：比如“身份证丢了怎么补办”“新生儿怎么上户口”\n"
    "· 反映问题：比如“楼下油烟太大想投诉”，可以附上照片\n"
    "· 查进度：发送“查询我的诉求”\n"
    "· 发送位置，我会记住您所在的街道\n"
    "需要人工服务请发送“转人工”，紧急情况请拨打 12345。"
)
# Menu buttons of type "click" and what pressing each one says to the bot (docs/wechat.md has the menu JSON).
MENU_KEYS = {
    "MENU_SERVICES": "我想查办事指南",
    "MENU_COMPLAIN": "我要投诉",
    "MENU_STATUS": "查询我的诉求进度",
    "MENU_HUMAN": "转人工",
}
MENU_HELP = "MENU_HELP"
VOICE_NOT_RECOGNISED = "不好意思，这段语音我没有听清。请再说一遍，或者直接打字告诉我。"
IMAGE_KEPT = "图片已收到。请再用文字说说遇到的问题和地点，我们会把图片和您的诉求一起转给工作人员。"
UNSUPPORTED = "目前我只能看懂文字、语音、图片和位置消息，请换一种方式告诉我。"


def street_set(street_name: str) -> str:
    """The answer to a location inside the county."""
    return f"已记下您所在的街道：{street_name}。之后您反映问题时，我们会转给这里的工作人员。"


OUTSIDE_COUNTY = "这个位置好像不在江宁区范围内，请发送您在江宁区内的位置，或直接告诉我您所在的街道。"
