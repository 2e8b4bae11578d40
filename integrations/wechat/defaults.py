"""Credentials and address of the fake WeChat server that development uses when none are configured."""

REAL_API_BASE = "https://api.weixin.qq.com"
FAKE_API_BASE = "http://127.0.0.1:8010"
FAKE_APPID = "wxfake00000000dev"
FAKE_SECRET = "fake-wechat-secret-for-development"
FAKE_TEMPLATE_ID = "fake-petition-update-template"
# Keywords of the petition-update template (订阅消息「诉求处理进度通知」): 诉求编号, 处理状态, 更新时间, 备注.
TEMPLATE_FIELDS = "number=character_string1,status_label=phrase2,time=time3,remark=thing4"
# The official account (公众号) in development: the same fake server also answers for these credentials.
FAKE_OA_APPID = "wxfakeoa000000dev"
FAKE_OA_SECRET = "fake-official-account-secret-for-development"
FAKE_ACTIVITY_TEMPLATE_ID = "fake-activity-update-template"
FAKE_ALERT_TEMPLATE_ID = "fake-emergency-alert-template"
# Keywords of the activity template (「活动状态通知」: 活动名称, 活动时间, 活动地点, 状态) and of the alert template
# (「预警通知」: 预警级别, 预警内容, 发布时间, 影响范围); WECHAT_TEMPLATE_FIELDS overrides any of them.
ACTIVITY_TEMPLATE_FIELDS = "activity_title=thing1,activity_time=time2,activity_place=thing3,activity_status=phrase4"
ALERT_TEMPLATE_FIELDS = "alert_level=phrase1,alert_text=thing2,alert_time=time3,alert_area=thing4"
