"""One error shape over HTTP: the same JSON body for every error, or an HTML page for browsers."""

from __future__ import annotations

import json

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from publisher.errors import NotFound, QueryError, QueryRefused, QueryTimeout, StoreError
from publisher.rdf.mediatypes import FILE_BY_NAME

HTML = FILE_BY_NAME["html"].media_type
#: The error body's type (and an alias clients send for the JSON formats): no file we write has it.
JSON = "application/json"

TITLES_ZH = {
    400: "请求有误",
    403: "禁止的操作",
    404: "未找到",
    405: "不允许的方法",
    406: "无可用的格式",
    413: "请求过大",
    415: "不支持的媒体类型",
    500: "服务器内部错误",
    503: "服务暂不可用",
}


def wants_html() -> bool:
    accept = request.accept_mimetypes
    return accept[HTML] > max(accept[JSON], 0) and accept.best == HTML


def error_response(status: int, message: str, **extra: object) -> Response:
    """The error as JSON (the default) or as an HTML page when the client prefers HTML: so it varies by Accept."""
    title = HTTP_STATUS_CODES.get(status, "Error")
    if wants_html():
        body = render_template(
            "error.html", status=status, title=title, title_zh=TITLES_ZH.get(status, title), message=message
        )
        response = Response(body, status=status, mimetype=HTML)
    else:
        error = {"status": status, "title": title, "title_zh": TITLES_ZH.get(status, title), "message": message}
        error.update(extra)
        body = json.dumps({"error": error}, ensure_ascii=False, indent=2) + "\n"
        response = Response(body, status=status, mimetype=JSON)
    response.vary.add("Accept")
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = error_response(exc.code or 500, exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(NotFound)
    def not_found(exc: NotFound) -> Response:
        return error_response(404, str(exc))

    @app.errorhandler(QueryError)
    def bad_query(exc: QueryError) -> Response:
        if isinstance(exc, QueryTimeout):
            return error_response(503, str(exc))
        if isinstance(exc, QueryRefused):
            return error_response(403, str(exc))
        return error_response(400, str(exc))

    @app.errorhandler(StoreError)
    def no_store(exc: StoreError) -> Response:
        return error_response(503, str(exc))
