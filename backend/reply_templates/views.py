"""Reply templates under /api/v1: managed by supervisors and the department's clerks, used in the 答复 dialog."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from backend.core.security import STAFF_SECURITY, current_principal, require_staff
from backend.petitions import access
from backend.petitions import service as petitions
from backend.reply_templates import schemas, service

blp = Blueprint("reply_templates", __name__, url_prefix="/api/v1", description="常用语（答复模板）")


@blp.route("/reply-templates")
class Templates(MethodView):
    @require_staff(*service.MANAGERS)
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.ReplyTemplateListArgs, location="query")
    @blp.response(200, schemas.ReplyTemplateListSchema)
    def get(self, args):
        """Reply templates of a department (a clerk's own; supervisors any or all)"""
        department = service.managed_department(current_principal(), args.get("department"))
        return {"items": service.list_templates(department=department), "variables": service.VARIABLES}

    @require_staff(*service.MANAGERS)
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.ReplyTemplateCreateSchema)
    @blp.response(201, schemas.ReplyTemplateSchema)
    @blp.alt_response(403, description="只能管理本部门的常用语")
    def post(self, data):
        """Add a reply template"""
        principal = current_principal()
        department = service.managed_department(principal, data.get("department"))
        return service.create(principal=principal, department=department, title=data["title"], body=data["body"])


@blp.route("/reply-templates/<int:template_id>")
class Template(MethodView):
    @require_staff(*service.MANAGERS)
    @blp.doc(security=STAFF_SECURITY)
    @blp.arguments(schemas.ReplyTemplateUpdateSchema)
    @blp.response(200, schemas.ReplyTemplateSchema)
    @blp.alt_response(404, description="常用语不存在")
    def patch(self, data, template_id):
        """Change a reply template's title or text"""
        template = service.get_for(principal=current_principal(), template_id=template_id)
        return service.update(template=template, changes=data)

    @require_staff(*service.MANAGERS)
    @blp.doc(security=STAFF_SECURITY)
    @blp.response(204)
    @blp.alt_response(404, description="常用语不存在")
    def delete(self, template_id):
        """Delete a reply template"""
        service.delete(template=service.get_for(principal=current_principal(), template_id=template_id))
        return Response(status=204)


@blp.route("/petitions/<int:petition_id>/reply-templates")
class PetitionTemplates(MethodView):
    @require_staff("clerk", "supervisor", "dispatcher")
    @blp.doc(security=STAFF_SECURITY)
    @blp.response(200, schemas.RenderedTemplateListSchema)
    @blp.alt_response(404, description="诉求不存在或无权查看")
    def get(self, petition_id):
        """The handling department's reply templates with this petition's variables filled in"""
        petition = access.access_petition(current_principal(), petitions.get(petition_id=petition_id))
        if petition.department is None:
            return {"items": []}
        templates = service.list_templates(department=petition.department)
        return {"items": [{"id": t.id, "title": t.title, "text": service.render(t.body, petition)}
                          for t in templates]}
