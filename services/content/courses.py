"""Courses (党员教育): published by an org, assigned by a superior org to its subtree with a deadline, studied
lesson by lesson; progress per member, study points for each lesson and course, and completion reports for
the secretaries (who has not finished an assigned course).

Rules live in domain/courses.py; points in study.py. Progress is one row per (course, member): the lesson
ids done, whether the course's exam was passed, and when it was finished, with the member's org path at the
time so a report counts finishers per org in one indexed count.
"""

from __future__ import annotations

import datetime as dt

import mongoengine as me
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from kernel import federation as fed
from kernel.clock import aware, now_ms
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically
from services.content import access, events, mirror, recent, study
from services.content.domain import courses as rules
from services.content.domain import inputs
from services.content.domain import study_points as points_rules
from services.content.domain.visibility import ORG, PUBLIC, Audience, audience_keys, may_read

MANAGE = "education.manage"
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # "finished": a range the index serves ($ne null is a scan here)
REPORT_ORGS = 5_000  # orgs of a subtree read to find the ones just below (the mirror keeps paths, not parents)
REPORT_SCAN = 2_000  # members read per call of unfinished(): the next call goes on from the cursor


# -- documents -----------------------------------------------------------------------------------------


class Course(TenantDocument):
    org_id = me.StringField(required=True)
    author_id = me.StringField(required=True)
    title = me.StringField(required=True)
    summary = me.StringField(default="")
    scope = me.StringField(required=True)  # rules.SCOPES
    state = me.StringField(required=True)  # draft, published
    lessons = me.ListField(me.DictField())  # {id, title, kind, body, media_id, minutes}
    exam_id = me.StringField(default="")  # set by exams.py when an exam belongs to the course
    audience = me.ListField(me.StringField())  # readers' keys once published
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)
    published_at = me.DateTimeField()

    meta = {
        "collection": "courses",
        "indexes": [
            ("tenant", "audience", "-published_at"),
            ("tenant", "org_id", "-created_at"),
            ("tenant", "org_id", "audience", "-published_at"),
        ],
    }


class CourseAssignment(TenantDocument):
    course_id = me.StringField(required=True)
    org_id = me.StringField(required=True)  # its whole subtree is to finish the course
    assigned_by = me.StringField(required=True)
    deadline = me.DateTimeField(required=True)
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "course_assignments",
        "indexes": [
            ("tenant", "org_id", "-created_at"),
            {"fields": ["tenant", "course_id", "org_id"], "unique": True},
            ("tenant", "deadline"),  # the region's study summary for the central office (study_summary)
        ],
    }


class CourseProgress(TenantDocument):
    course_id = me.StringField(required=True)
    account_id = me.StringField(required=True)
    done = me.ListField(me.StringField())  # lesson ids
    exam_passed = me.BooleanField(default=False)
    finished_at = me.DateTimeField()
    org_path = me.ListField(me.StringField())  # the member's, when they last made progress
    updated_at = me.DateTimeField(required=True)

    meta = {
        "collection": "course_progress",
        "indexes": [
            {"fields": ["tenant", "course_id", "account_id"], "unique": True},
            ("tenant", "account_id", "course_id"),  # the caller's progress in the courses assigned to them
            ("tenant", "course_id", "org_path", "finished_at"),
        ],
    }


DOCUMENTS = (Course, CourseAssignment, CourseProgress)


def lessons_of(course: Course) -> list[rules.Lesson]:
    return [rules.Lesson(**lesson) for lesson in course.lessons]


def lesson_ids(course: Course) -> list[str]:
    return [lesson["id"] for lesson in course.lessons]


def _stored(lessons: list[rules.Lesson]) -> list[dict]:
    return [
        {"id": x.id, "title": x.title, "kind": x.kind, "body": x.body, "media_id": x.media_id, "minutes": x.minutes}
        for x in lessons
    ]


def _audience(course: Course) -> list[str]:
    kind = PUBLIC if course.scope == rules.SCOPE_PUBLIC else ORG
    return audience_keys(Audience(course.author_id, kind, course.org_id))


def _announced(course: Course) -> dict:
    """A published course as its events tell it (search indexes it from these)."""
    return {
        "course_id": str(course.id),
        "org_id": course.org_id,
        "author_id": course.author_id,
        "title": course.title,
        "summary": course.summary,
        "lesson_titles": [lesson["title"] for lesson in course.lessons],
        "scope": course.scope,
        "audience": list(course.audience),
    }


# -- lookups and rights --------------------------------------------------------------------------------


def _course(course_id: str) -> Course:
    course = Course.by_id(access.tenant(), course_id)
    if course is None:
        raise DomainError(ErrorCode.NOT_FOUND, "course_not_found", "course_id")
    return course


def manages(course: Course) -> bool:
    return access.may(MANAGE, course.org_id)


def readable(course_id: str) -> tuple[Course, bool]:
    """The course and whether the caller manages it; NOT_FOUND for a draft or a course they may not read."""
    course = _course(course_id)
    manager = manages(course)
    if manager:
        return course, True
    kind = PUBLIC if course.scope == rules.SCOPE_PUBLIC else ORG
    audience = Audience(course.author_id, kind, course.org_id)
    if course.state != rules.PUBLISHED or not may_read(access.reader(), audience):
        raise DomainError(ErrorCode.NOT_FOUND, "course_not_found", "course_id")
    return course, False


def _managed(course_id: str) -> Course:
    course = _course(course_id)
    if not manages(course):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "course_manage_denied", "course_id")
    return course


# -- publishing ----------------------------------------------------------------------------------------


def create(org_id: str, title: str, summary: str, scope: str, lessons: list[rules.Lesson]) -> Course:
    """A draft course of the org; published with publish()."""
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    org_id = inputs.one_id(org_id, "org_id")
    access.org_path(org_id)
    access.require(MANAGE, org_id)
    course = Course(
        tenant=tenant,
        org_id=org_id,
        author_id=who,
        title=rules.title(title),
        summary=rules.summary(summary),
        scope=rules.scope(scope),
        state=rules.DRAFT,
        lessons=_stored(rules.lessons(lessons)),
        created_at=now,
        updated_at=now,
    )
    return atomically(tenant, lambda uow: uow.insert(course))


def edit(course_id: str, title: str, summary: str, scope: str, lessons: list[rules.Lesson]) -> Course:
    """Replace the course's texts and lessons (existing lessons by id keep their members' progress)."""
    course = _managed(course_id)
    checked = rules.lessons(lessons, known=lesson_ids(course))
    changes = {"title": rules.title(title), "summary": rules.summary(summary), "scope": rules.scope(scope)}
    return _rewrite(course, checked, changes)


def put_lesson(course_id: str, lesson: rules.Lesson) -> Course:
    """Add a lesson (id "") at the end, or replace the lesson of that id: a course of many long lessons is
    written a lesson at a time."""
    course = _managed(course_id)
    current = lessons_of(course)
    if not lesson.id and len(current) >= rules.LESSONS_MAX:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "course_lessons_count", "lessons", max=rules.LESSONS_MAX)
    if lesson.id and lesson.id not in lesson_ids(course):
        raise DomainError(ErrorCode.NOT_FOUND, "course_lesson_not_found", "lesson_id")
    try:
        checked = rules.lessons([lesson], known=lesson_ids(course))[0]
    except DomainError as err:  # one lesson: its fields by their own names (title, body, media_id …)
        if err.field and err.field.startswith("lessons[0]."):
            err.field = err.field.removeprefix("lessons[0].")
        raise
    if lesson.id:
        merged = [checked if x.id == checked.id else x for x in current]
    else:
        merged = [*current, checked]
    return _rewrite(course, merged, {})


def delete_lesson(course_id: str, lesson_id: str) -> Course:
    course = _managed(course_id)
    if lesson_id not in lesson_ids(course):
        raise DomainError(ErrorCode.NOT_FOUND, "course_lesson_not_found", "lesson_id")
    return _rewrite(course, [x for x in lessons_of(course) if x.id != lesson_id], {})


def _rewrite(course: Course, lessons: list[rules.Lesson], changes: dict) -> Course:
    """Store the course's new lessons (and changes), conditional on it being as read: two editors never
    overwrite each other silently (the later one is told to reload). A published course keeps a lesson, and
    its edit is announced (search follows it)."""
    if course.state == rules.PUBLISHED:
        rules.publishable(lessons)
    changes = {**changes, "lessons": _stored(lessons), "updated_at": now_ms()}
    if course.state == rules.PUBLISHED:
        course.scope = changes.get("scope", course.scope)
        changes["audience"] = _audience(course)

    def write(uow: UnitOfWork) -> None:
        if not uow.update_one(Course, {"_id": course.id, "updated_at": course.updated_at}, {"$set": changes}):
            raise DomainError(ErrorCode.FAILED_PRECONDITION, "course_changed", "course_id")
        if course.state == rules.PUBLISHED:
            edited = Course._from_son({**course.to_mongo().to_dict(), **changes})
            uow.emit(events.SOURCE, events.COURSE_EDITED, _announced(edited), access.actor().account_id)

    atomically(access.tenant(), write)
    return _course(str(course.id))


def publish(course_id: str) -> Course:
    course = _managed(course_id)
    if course.state == rules.PUBLISHED:
        return course
    rules.publishable(course.lessons)
    now = now_ms()

    def write(uow: UnitOfWork) -> None:
        changes = {"state": rules.PUBLISHED, "published_at": now, "updated_at": now, "audience": _audience(course)}
        if not uow.update_one(Course, {"_id": course.id, "state": rules.DRAFT}, {"$set": changes}):
            return  # published meanwhile
        course.audience = changes["audience"]
        uow.emit(events.SOURCE, events.COURSE_PUBLISHED, _announced(course), access.actor().account_id)

    atomically(access.tenant(), write)
    return _course(course_id)


def assign(course_id: str, org_id: str, deadline: dt.datetime | None) -> tuple[CourseAssignment, Course]:
    """A superior org asks its whole subtree to finish a published course by a deadline. The course must be
    readable there: public, or published by an org on the assigning org's path."""
    tenant, who, now = access.tenant(), access.actor().account_id, now_ms()
    org_id = inputs.one_id(org_id, "org_id")
    path = access.org_path(org_id)
    access.require(MANAGE, org_id)
    course = _course(course_id)
    if course.state != rules.PUBLISHED:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "course_not_published", "course_id")
    if course.scope != rules.SCOPE_PUBLIC and course.org_id not in path:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "course_not_readable_there", "org_id")
    assignment = CourseAssignment(
        tenant=tenant,
        course_id=str(course.id),
        org_id=org_id,
        assigned_by=who,
        deadline=rules.assignment_deadline(deadline, now),
        created_at=now,
    )

    def write(uow: UnitOfWork) -> CourseAssignment:
        uow.insert(assignment)
        uow.emit(
            events.SOURCE,
            events.COURSE_ASSIGNED,
            {
                "assignment_id": str(assignment.id),
                "course_id": str(course.id),
                "org_id": org_id,
                "title": course.title,
                "deadline": assignment.deadline.isoformat(),
            },
            who,
        )
        return assignment

    try:
        return atomically(tenant, write), course
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "course_already_assigned", "org_id") from None


# -- studying ------------------------------------------------------------------------------------------


def progress_of(course_id: str, account_id: str) -> CourseProgress | None:
    return CourseProgress.in_tenant(access.tenant()).filter(course_id=course_id, account_id=account_id).first()


def complete_lesson(course_id: str, lesson_id: str) -> tuple[Course, CourseProgress, int]:
    """Mark a lesson of a published course done for the caller; returns the course, their progress and the
    study points this earned (a lesson pays once; finishing the course pays its own points)."""
    course, _ = readable(course_id)
    if course.state != rules.PUBLISHED:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "course_not_published", "course_id")
    lesson = next((x for x in course.lessons if x["id"] == lesson_id), None)
    if lesson is None:
        raise DomainError(ErrorCode.NOT_FOUND, "course_lesson_not_found", "lesson_id")
    reader, tenant, now = access.reader(), access.tenant(), now_ms()
    table = study.table(tenant)

    def write(uow: UnitOfWork) -> tuple[int, CourseProgress]:
        """What the lesson earned, and the progress as it now stands (not read again after the commit)."""
        key = {"tenant": tenant, "course_id": course_id, "account_id": reader.account_id}
        row = CourseProgress._get_collection().find_one(key, session=uow.session)
        if row and lesson_id in row.get("done", []):
            return 0, CourseProgress._from_son(row)  # done before: nothing changes, nothing pays
        done = [*(row.get("done", []) if row else []), lesson_id]
        exam_passed = bool(row and row.get("exam_passed"))
        changes: dict = {"org_path": list(reader.org_path), "updated_at": now}
        finishing = not (row and row.get("finished_at")) and rules.finished(
            lesson_ids(course), done, bool(course.exam_id), exam_passed
        )
        if finishing:
            changes["finished_at"] = now
        CourseProgress._get_collection().update_one(
            key, {"$addToSet": {"done": lesson_id}, "$set": changes}, upsert=True, session=uow.session
        )
        earned = study.award(
            uow,
            reader.account_id,
            reader.org_path,
            table[points_rules.LESSON],
            table[points_rules.LESSON].points,
            f"lesson:{course_id}:{lesson_id}",
            lesson["title"],
            now,
        )
        if finishing:
            earned += _finished(uow, course, reader, table, now)
        return earned, CourseProgress._from_son({**(row or {}), **key, **changes, "done": done})

    earned, progress = atomically(tenant, write)
    return course, progress, earned


def exam_passed(uow: UnitOfWork, course: Course, reader, now: dt.datetime) -> int:
    """The course's exam was passed (exams.py, inside its transaction): the course may now be finished."""
    table = study.table(uow.tenant)
    key = {"tenant": uow.tenant, "course_id": str(course.id), "account_id": reader.account_id}
    row = CourseProgress._get_collection().find_one(key, session=uow.session) or {}
    changes: dict = {"exam_passed": True, "org_path": list(reader.org_path), "updated_at": now}
    finishing = not row.get("finished_at") and rules.finished(lesson_ids(course), row.get("done", []), True, True)
    if finishing:
        changes["finished_at"] = now
    CourseProgress._get_collection().update_one(key, {"$set": changes}, upsert=True, session=uow.session)
    return _finished(uow, course, reader, table, now) if finishing else 0


def _finished(uow: UnitOfWork, course: Course, reader, table, now: dt.datetime) -> int:
    rule = table[points_rules.COURSE]
    uow.emit(
        events.SOURCE,
        events.COURSE_FINISHED,
        {"course_id": str(course.id), "account_id": reader.account_id, "org_id": reader.org_id},
        reader.account_id,
    )
    return study.award(
        uow, reader.account_id, reader.org_path, rule, rule.points, f"course:{course.id}", course.title, now
    )


# -- lists ---------------------------------------------------------------------------------------------


def list_courses(org_id: str, page_size: int, cursor: str) -> tuple[list[Course], str]:
    """Published courses the caller may read, newest first; or one org's courses (drafts too, for those who
    manage education there)."""
    tenant, reader = access.tenant(), access.reader()
    courses = Course.in_tenant(tenant)
    if org_id:
        org_id = inputs.one_id(org_id, "org_id")
        access.org_path(org_id)
        if access.may(MANAGE, org_id):
            return recent.page(courses.filter(org_id=org_id), "created_at", page_size, cursor)
        keys = [k for k in (PUBLIC, f"org:{org_id}") if k == PUBLIC or org_id in reader.org_path]
        return recent.page_merged(
            [courses.filter(org_id=org_id, audience=k) for k in keys], "published_at", page_size, cursor
        )
    keys = [PUBLIC, *(f"org:{o}" for o in reader.org_path)]
    return recent.page_merged([courses.filter(audience=k) for k in keys], "published_at", page_size, cursor)


def my_assignments() -> list[tuple[CourseAssignment, Course, CourseProgress | None]]:
    """Courses assigned to the caller's orgs (their path's), soonest deadline first, with their progress."""
    tenant, reader = access.tenant(), access.reader()
    rows = list(CourseAssignment.in_tenant(tenant).filter(org_id__in=list(reader.org_path)).limit(500))
    if not rows:
        return []
    course_ids = sorted({r.course_id for r in rows})
    by_id = {str(c.id): c for c in Course.in_tenant(tenant).filter(id__in=[ObjectId(c) for c in course_ids])}
    progress = {
        p.course_id: p
        for p in CourseProgress.in_tenant(tenant).filter(account_id=reader.account_id, course_id__in=course_ids)
    }
    seen, out = set(), []
    for row in sorted(rows, key=lambda r: (aware(r.deadline), str(r.id))):
        if row.course_id in by_id and row.course_id not in seen:  # assigned by two orgs: the sooner deadline
            seen.add(row.course_id)
            out.append((row, by_id[row.course_id], progress.get(row.course_id)))
    return out


# -- completion reports --------------------------------------------------------------------------------


def _assignment(assignment_id: str) -> CourseAssignment:
    row = CourseAssignment.by_id(access.tenant(), assignment_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "course_assignment_not_found", "assignment_id")
    return row


def _report_org(assignment: CourseAssignment, org_id: str) -> str:
    """The org a report is about: the assignment's own or one of its subtree, which the caller manages."""
    org_id = inputs.one_id(org_id, "org_id") if org_id else assignment.org_id
    if assignment.org_id not in access.org_path(org_id):
        raise DomainError(ErrorCode.NOT_FOUND, "course_report_org_outside", "org_id")
    if not access.may(MANAGE, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "course_report_denied", "org_id")
    return org_id


def report(assignment_id: str, org_id: str) -> tuple[CourseAssignment, Course, list[tuple[str, int, int]]]:
    """Members and finishers of the org and of each org just below it: (org_id, members, finished)."""
    assignment = _assignment(assignment_id)
    org_id = _report_org(assignment, org_id)
    tenant = access.tenant()
    depth = len(access.org_path(org_id)) + 1
    subtree = mirror.OrgNode.in_tenant(tenant).filter(path=org_id).only("org_id", "path", "dissolved")
    children = [n.org_id for n in subtree.limit(REPORT_ORGS) if len(n.path) == depth and not n.dissolved][:200]
    rows = []
    for oid in [org_id, *sorted(children)]:
        members = mirror.Person.in_tenant(tenant).filter(org_path=oid).count()
        finished = (
            CourseProgress.in_tenant(tenant)
            .filter(course_id=assignment.course_id, org_path=oid, finished_at__gt=EPOCH)
            .count()
        )
        rows.append((oid, members, min(members, finished)))
    return assignment, _course(assignment.course_id), rows


MAX_SUMMARY_ASSIGNMENTS = 500  # two indexed counts each


def study_summary(since: str, until: str) -> tuple[int, int, int, bool]:
    """The region's study completion for the central office: (assignments due in [since, until), members
    they reach, finished, truncated). Counts only: the completion report's numbers summed per assignment."""
    fed.calling_central()
    try:
        start, end = (dt.datetime.fromisoformat(d).replace(tzinfo=dt.UTC) for d in (since, until))
    except ValueError:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "date_invalid", "since") from None
    tenant = access.tenant()
    due = list(
        CourseAssignment.in_tenant(tenant)
        .filter(deadline__gte=start, deadline__lt=end)
        .only("course_id", "org_id")
        .limit(MAX_SUMMARY_ASSIGNMENTS + 1)
    )
    members = finished = 0
    for assignment in due[:MAX_SUMMARY_ASSIGNMENTS]:
        reach = mirror.Person.in_tenant(tenant).filter(org_path=assignment.org_id).count()
        done = (
            CourseProgress.in_tenant(tenant)
            .filter(course_id=assignment.course_id, org_path=assignment.org_id, finished_at__gt=EPOCH)
            .count()
        )
        members += reach
        finished += min(reach, done)
    return min(len(due), MAX_SUMMARY_ASSIGNMENTS), members, finished, len(due) > MAX_SUMMARY_ASSIGNMENTS


def unfinished(
    assignment_id: str, org_id: str, page_size: int, cursor: str
) -> tuple[CourseAssignment, list[tuple[mirror.Person, CourseProgress | None]], str]:
    """Members of the org's subtree who have not finished the course (with their progress), by account id.
    At most REPORT_SCAN members are read per call: a short page with a cursor means "read on"."""
    assignment = _assignment(assignment_id)
    org_id = _report_org(assignment, org_id)
    size = recent.size(page_size)
    tenant = access.tenant()
    cursor = inputs.one_id(cursor, "cursor") if cursor else ""
    out: list = []
    scanned, last = 0, cursor
    while len(out) < size and scanned < REPORT_SCAN:
        query = mirror.Person.in_tenant(tenant).filter(org_path=org_id)
        if last:
            query = query.filter(account_id__gt=last)
        batch = list(query.order_by("account_id").only("account_id", "display_name", "org_id").limit(200))
        if not batch:
            last = ""
            break
        scanned += len(batch)
        progress = {
            p.account_id: p
            for p in CourseProgress.in_tenant(tenant).filter(
                course_id=assignment.course_id, account_id__in=[b.account_id for b in batch]
            )
        }
        for person in batch:
            mine = progress.get(person.account_id)
            if mine is None or mine.finished_at is None:
                out.append((person, mine))
            last = person.account_id
            if len(out) == size:
                break
        if len(batch) < 200 and len(out) < size:
            last = ""
            break
    return assignment, out, last
