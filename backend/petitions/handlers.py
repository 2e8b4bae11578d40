"""What each workflow action does to a petition beyond changing its status."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backend.calendar.service import add_working_days, end_of_working_days, local_date
from backend.directory.models import Department
from backend.extensions import db
from backend.petitions import deadlines, states
from backend.petitions.errors import PetitionError, invalid
from backend.petitions.models import Petition, PetitionRating, PetitionReply

MAX_EXTENSION_DAYS = 15
REPLY_LENGTH = (5, 2000)
COMMENT_MAX = 500
REOPEN_WINDOW_DAYS = 7


def _department(data: dict) -> Department:
    code = data.get("department")
    if not code or not isinstance(code, str):
        raise invalid("department", "请选择承办部门")
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        raise invalid("department", "承办部门不存在")
    return department


def _refresh_accept_clock(petition: Petition, now) -> None:
    # The receiving department gets its full time to accept, never less than before.
    limits = deadlines.limits_for(type=petition.type, urgency=petition.urgency)
    petition.accept_by = max(petition.accept_by, end_of_working_days(now, limits.accept))
    petition.accept_overdue = False


def dispatch(petition: Petition, actor, data: dict, now) -> str:
    department = (data.get("department_obj") if actor.kind == "system" else None) or _department(data)
    if actor.kind == "system" and "category" in data:
        # Automatic routing: the classifier's verdict is recorded with the dispatch.
        petition.category, petition.category_confidence = data["category"], data["confidence"]
        petition.routed_at = now
    petition.department_id = department.id
    petition.department = department
    _refresh_accept_clock(petition, now)
    return f"已派发至{department.name}办理"


def transfer(petition: Petition, actor, data: dict, now) -> str:
    department = _department(data)
    if department.id == petition.department_id:
        raise invalid("department", "转派的部门与当前承办部门相同")
    petition.department_id = department.id
    petition.department = department
    petition.accepted_at = None
    _refresh_accept_clock(petition, now)
    return f"已转交{department.name}办理"


def accept(petition: Petition, actor, data: dict, now) -> str:
    petition.accepted_at = now
    return f"{petition.department.name}已签收，正在办理"


def return_(petition: Petition, actor, data: dict, now) -> str:
    petition.department_id = None
    petition.department = None
    petition.returned_count += 1
    return "已退回派单员重新派单"


def request_extension(petition: Petition, actor, data: dict, now) -> str:
    if petition.extension_status == "requested":
        raise PetitionError(409, "已有待审批的延期申请")
    days = data.get("days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise invalid("days", f"延期天数应为 1 到 {MAX_EXTENSION_DAYS} 个工作日")
    petition.extension_status = "requested"
    petition.extension_days = days
    return f"申请延期 {days} 个工作日"


def _pending_extension(petition: Petition) -> int:
    if petition.extension_status != "requested" or not petition.extension_days:
        raise PetitionError(409, "没有待审批的延期申请")
    return petition.extension_days


def approve_extension(petition: Petition, actor, data: dict, now) -> str:
    days = _pending_extension(petition)
    petition.reply_by = add_working_days(petition.reply_by, days)
    petition.close_by = add_working_days(petition.close_by, days)
    petition.reply_overdue = petition.reply_by < now
    petition.close_overdue = petition.close_by < now
    petition.extension_status = "approved"
    return f"办理期限已延长至{local_date(petition.reply_by - timedelta(seconds=1)):%Y年%m月%d日}"


def reject_extension(petition: Petition, actor, data: dict, now) -> str:
    _pending_extension(petition)
    petition.extension_status = "rejected"
    return "延期申请未获批准"


def reply(petition: Petition, actor, data: dict, now) -> str:
    content = data.get("content")
    content = content.strip() if isinstance(content, str) else ""
    if not REPLY_LENGTH[0] <= len(content) <= REPLY_LENGTH[1]:
        raise invalid("content", f"答复内容应为 {REPLY_LENGTH[0]} 到 {REPLY_LENGTH[1]} 个字")
    db.session.add(PetitionReply(
        petition_id=petition.id, staff_id=actor.id, department_id=petition.department_id, content=content,
        created_at=now,
    ))
    petition.replied_at = now
    return f"{petition.department.name}已答复，请查看并评价"


def rate(petition: Petition, actor, data: dict, now) -> str:
    score, resolved, comment = data.get("score"), data.get("resolved"), data.get("comment") or ""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise invalid("score", "评分应为 1 到 5 的整数")
    if not isinstance(resolved, bool):
        raise invalid("resolved", "请选择问题是否解决")
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX:
        raise invalid("comment", f"评价内容不能超过 {COMMENT_MAX} 个字")
    db.session.add(PetitionRating(
        petition_id=petition.id, round=petition.reopened_count, score=score, resolved=resolved,
        comment=comment.strip(), created_at=now,
    ))
    petition.closed_at = now
    return "已评价"


def auto_close(petition: Petition, actor, data: dict, now) -> str:
    if petition.replied_at is None or petition.replied_at + timedelta(days=deadlines.AUTO_CLOSE_DAYS) > now:
        raise PetitionError(409, f"答复后 {deadlines.AUTO_CLOSE_DAYS} 天内等待评价，尚不能自动办结")
    petition.closed_at = now
    return f"答复后 {deadlines.AUTO_CLOSE_DAYS} 日内未评价，已自动办结"


def reopen(petition: Petition, actor, data: dict, now) -> str:
    if petition.reopened_count >= 1:
        raise PetitionError(409, "每件诉求只能申请重办一次")
    if petition.status == states.CLOSED and (
        petition.closed_at is None or petition.closed_at + timedelta(days=REOPEN_WINDOW_DAYS) < now
    ):
        raise PetitionError(409, f"办结超过 {REOPEN_WINDOW_DAYS} 天的诉求不能申请重办")
    limits = deadlines.limits_for(type=petition.type, urgency=petition.urgency)
    petition.reopened_count += 1
    petition.replied_at = petition.closed_at = None
    petition.accept_by = end_of_working_days(now, limits.accept)
    petition.reply_by = end_of_working_days(now, limits.reply)
    petition.close_by = end_of_working_days(now, limits.close)
    petition.accept_overdue = petition.reply_overdue = petition.close_overdue = False
    petition.extension_status = "none"
    return "已申请重办"


def withdraw(petition: Petition, actor, data: dict, now) -> str:
    petition.closed_at = now
    return "已撤回"


def merge(petition: Petition, actor, data: dict, now) -> str:
    number = data.get("target")
    if not isinstance(number, str) or not number:
        raise invalid("target", "请填写要合并到的诉求编号")
    target = db.session.scalar(select(Petition).where(Petition.number == number))
    if target is None or target.id == petition.id:
        raise invalid("target", "要合并到的诉求不存在")
    if target.status in (states.WITHDRAWN, states.MERGED):
        raise invalid("target", "不能合并到已撤回或已合并的诉求")
    petition.merged_into_id = target.id
    petition.closed_at = now
    return f"已与诉求 {target.number} 合并办理"


HANDLERS = {
    "dispatch": dispatch, "transfer": transfer, "accept": accept, "return": return_,
    "request_extension": request_extension, "approve_extension": approve_extension,
    "reject_extension": reject_extension, "reply": reply, "rate": rate, "auto_close": auto_close,
    "reopen": reopen, "withdraw": withdraw, "merge": merge,
}
