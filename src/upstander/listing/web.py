"""The paging parameters and answer headers every list route shares, pages and API alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from starlette.datastructures import URL

from upstander.listing import rules


@dataclass(frozen=True)
class PageParams:
    sort: str | None
    cursor: str | None
    limit: int | None


def _page_params(
    sort: Annotated[
        str | None,
        Query(
            description="A column to sort by; a leading `-` sorts it the other way. Each list names its columns."
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=2000,
            description="Where the next page starts: the `next_cursor` of the page before (the X-Next-Cursor "
            "header in the API). Valid only with the same sort; a cursor that is not is refused with 422.",
        ),
    ] = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=rules.MAX_LIMIT,
            description=f"Rows a page, 1 to {rules.MAX_LIMIT}; {rules.DEFAULT_LIMIT} when not given.",
        ),
    ] = None,
) -> PageParams:
    return PageParams(sort, cursor, limit)


Paging = Annotated[PageParams, Depends(_page_params)]

PAGE_HEADERS: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Total-Count": {
                "description": "How many rows the whole filtered list holds.",
                "schema": {"type": "integer"},
            },
            "X-Next-Cursor": {
                "description": "The cursor of the next page; absent on the last page.",
                "schema": {"type": "string"},
            },
            "Link": {
                "description": 'RFC 8288: the next page as `<url>; rel="next"`; absent on the last page.',
                "schema": {"type": "string"},
            },
        }
    }
}


def _relative(url: URL) -> str:
    return f"{url.path}?{url.query}" if url.query else url.path


def next_page_url(request: Request, cursor: str) -> str:
    """This list's address with the same filters and sort, starting at `cursor`."""
    return _relative(request.url.include_query_params(cursor=cursor))


def first_page_url(request: Request) -> str:
    return _relative(request.url.remove_query_params("cursor"))


def set_page_headers(request: Request, response: Response, page: rules.Page[Any]) -> None:
    response.headers["x-total-count"] = str(page.total)
    if page.next_cursor:
        response.headers["x-next-cursor"] = page.next_cursor
        response.headers["link"] = (
            f'<{request.url.include_query_params(cursor=page.next_cursor)}>; rel="next"'
        )


def sort_url(request: Request, current: rules.Sort, column: str) -> str:
    """A column heading's link: sort by it, or the other way when it is the sort already; back to page one."""
    descending = current.column == column and not current.descending
    token = ("-" if descending else "") + column
    return _relative(request.url.remove_query_params("cursor").include_query_params(sort=token))
