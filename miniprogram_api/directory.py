"""Streets, communities and departments for the mini-program's pickers."""

from flask.views import MethodView
from flask_smorest import Blueprint

from backend.directory import schemas, service

blp = Blueprint("mp_directory", __name__, url_prefix="/api/mp", description="街道、社区与部门")


@blp.route("/streets")
class Streets(MethodView):
    @blp.response(200, schemas.StreetListSchema)
    def get(self):
        """Streets of the county with their communities"""
        return {"items": service.list_streets()}


@blp.route("/departments")
class Departments(MethodView):
    @blp.response(200, schemas.DepartmentListSchema)
    def get(self):
        """Departments and what each is responsible for"""
        return {"items": service.list_departments()}
