"""Education (党员教育) over HTTP: courses and lessons, assignments and completion reports, question banks and
exams, study points and leaderboards. Permissions and limits are decided by content."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, PageSize, PathId, page_request, timestamp_of
from jiceng.content.v1 import education_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["education"])

# A course is written with its lessons (up to 20,000 characters each; Chinese is escaped 6 bytes a character
# in JSON): creating and replacing one take the gateway's long-document limit, not its 64 KiB.
DOCUMENT_PATHS = (
    re.compile(r"/api/v1/orgs/[^/]{1,64}/courses"),
    re.compile(r"/api/v1/courses/[^/]{1,64}"),
    re.compile(r"/api/v1/courses/[^/]{1,64}/lessons(/[^/]{1,64})?"),
)

OrgFilter = Annotated[str, Query(max_length=64, description="an org of the subtree (default: the assignment's)")]


# -- bodies (limits here only bound what is carried; content names the field and its own limit) ----------


class LessonBody(Body):
    # an existing lesson's id when editing (its members' progress stays); omitted for a new lesson
    id: Annotated[str, Field(max_length=64)] = ""
    title: Annotated[str, Field(max_length=400)]
    kind: Annotated[str, Field(max_length=16, examples=["text", "audio", "video"])] = "text"
    body: Annotated[str, Field(max_length=40_000)] = ""
    media_id: Annotated[str, Field(max_length=128)] = ""
    minutes: Annotated[int, Field(ge=0, le=10_000)] = 0


class CourseBody(Body):
    title: Annotated[str, Field(max_length=400)]
    summary: Annotated[str, Field(max_length=5_000)] = ""
    scope: Annotated[str, Field(max_length=16, examples=["org", "public"])] = "org"
    lessons: Annotated[list[LessonBody], Field(max_length=200)] = []


class AssignBody(Body):
    org_id: Annotated[str, Field(min_length=1, max_length=64)]
    deadline: dt.datetime


class BankBody(Body):
    title: Annotated[str, Field(max_length=400)]


class QuestionBody(Body):
    kind: Annotated[str, Field(max_length=16, examples=["single", "multiple", "true_false", "fill_in"])]
    text: Annotated[str, Field(max_length=2_000)]
    options: Annotated[list[Annotated[str, Field(max_length=1_000)]], Field(max_length=50)] = []
    answer: Annotated[list[Annotated[int, Field(ge=0, le=1_000)]], Field(max_length=50)] = []
    accepted: Annotated[list[Annotated[str, Field(max_length=1_000)]], Field(max_length=50)] = []
    points: Annotated[int, Field(ge=0, le=10_000)] = 1


class QuestionsBody(Body):
    questions: Annotated[list[QuestionBody], Field(max_length=500)]


class DrawBody(Body):
    kind: Annotated[str, Field(max_length=16)]
    count: Annotated[int, Field(ge=0, le=10_000)]


class ExamBody(Body):
    title: Annotated[str, Field(max_length=400)]
    bank_id: Annotated[str, Field(min_length=1, max_length=64)]
    course_id: Annotated[str, Field(max_length=64)] = ""
    scope: Annotated[str, Field(max_length=16, examples=["org", "public"])] = "org"
    counts: Annotated[list[DrawBody], Field(max_length=10)]
    time_limit_minutes: Annotated[int, Field(ge=0, le=100_000)] = 0
    pass_score: Annotated[int, Field(ge=0, le=1_000)] = 60
    max_attempts: Annotated[int, Field(ge=0, le=1_000)] = 0
    cooldown_minutes: Annotated[int, Field(ge=0, le=10_000_000)] = 0
    retake_after_pass: bool = False
    shuffle_options: bool = True


class AnswerBody(Body):
    options: Annotated[list[Annotated[int, Field(ge=0, le=1_000)]], Field(max_length=50)] = []
    text: Annotated[str, Field(max_length=1_000)] = ""
    truth: bool | None = None


class SubmitBody(Body):
    answers: Annotated[list[AnswerBody], Field(max_length=500)]


class RuleBody(Body):
    points: Annotated[int, Field(ge=0, le=100_000)]
    daily_cap: Annotated[int, Field(ge=0, le=100_000)]


# -- answers -------------------------------------------------------------------------------------------


class LessonOut(BaseModel):
    id: str
    title: str
    kind: str
    body: str
    media_id: str
    minutes: int
    done: bool


class ProgressOut(BaseModel):
    lessons_done: int
    lessons: int
    percent: int
    exam_passed: bool
    finished: bool
    finished_at: dt.datetime | None = None


class CourseOut(BaseModel):
    id: str
    org_id: str
    org_name: str
    author_id: str
    title: str
    summary: str
    scope: str
    state: str
    lessons: list[LessonOut]
    exam_id: str
    created_at: dt.datetime | None = None
    published_at: dt.datetime | None = None
    manageable: bool
    progress: ProgressOut


class CoursesOut(BaseModel):
    courses: list[CourseOut]
    next_cursor: str = ""


class AssignmentOut(BaseModel):
    id: str
    course_id: str
    course_title: str
    org_id: str
    assigned_by: str
    deadline: dt.datetime | None = None
    created_at: dt.datetime | None = None
    progress: ProgressOut
    overdue: bool


class AssignmentsOut(BaseModel):
    assignments: list[AssignmentOut]


class LessonCompletedOut(BaseModel):
    progress: ProgressOut
    points: int


class OrgCompletionOut(BaseModel):
    org_id: str
    org_name: str
    members: int
    finished: int


class ReportOut(BaseModel):
    assignment: AssignmentOut
    summary: OrgCompletionOut
    below: list[OrgCompletionOut]


class UnfinishedOut(BaseModel):
    account_id: str
    display_name: str
    org_id: str
    lessons_done: int


class UnfinishedPageOut(BaseModel):
    members: list[UnfinishedOut]
    next_cursor: str = ""


class QuestionOut(BaseModel):
    id: str
    kind: str
    text: str
    options: list[str]
    answer: list[int]
    accepted: list[str]
    points: int


class BankOut(BaseModel):
    id: str
    org_id: str
    title: str
    questions: int
    created_at: dt.datetime | None = None


class BankPageOut(BaseModel):
    bank: BankOut
    questions: list[QuestionOut]
    next_cursor: str = ""


class DrawOut(BaseModel):
    kind: str
    count: int


class AttemptSummaryOut(BaseModel):
    id: str
    number: int
    state: str
    score: int
    passed: bool
    started_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    account_id: str
    display_name: str
    org_id: str


class ExamOut(BaseModel):
    id: str
    org_id: str
    title: str
    course_id: str
    scope: str
    counts: list[DrawOut]
    questions: int
    time_limit_minutes: int
    pass_score: int
    max_attempts: int
    cooldown_minutes: int
    retake_after_pass: bool
    created_at: dt.datetime | None = None
    bank_id: str
    manageable: bool
    my_attempts: list[AttemptSummaryOut]


class ExamsOut(BaseModel):
    exams: list[ExamOut]
    next_cursor: str = ""


class PaperQuestionOut(BaseModel):
    kind: str
    text: str
    options: list[str]
    points: int
    correct: bool


class AttemptOut(BaseModel):
    summary: AttemptSummaryOut
    exam_id: str
    questions: list[PaperQuestionOut]
    expires_at: dt.datetime | None = None
    earned: int
    possible: int
    points: int


class ResultsOut(BaseModel):
    attempts: list[AttemptSummaryOut]
    next_cursor: str = ""


class RuleOut(BaseModel):
    name: str
    points: int
    daily_cap: int


class PeriodTotalOut(BaseModel):
    period: str
    points: int


class MyPointsOut(BaseModel):
    totals: list[PeriodTotalOut]
    today: list[RuleOut]
    rules: list[RuleOut]


class AwardOut(BaseModel):
    rule: str
    title: str
    points: int
    requested: int
    at: dt.datetime | None = None


class HistoryOut(BaseModel):
    awards: list[AwardOut]
    next_cursor: str = ""


class LeaderboardRowOut(BaseModel):
    rank: int
    account_id: str
    display_name: str
    points: int


class LeaderboardOut(BaseModel):
    org_id: str
    period: str
    rows: list[LeaderboardRowOut]
    mine: LeaderboardRowOut


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "education", method_name, message)


def _course_input(org_id: str, body: CourseBody) -> pb.CourseInput:
    return pb.CourseInput(
        org_id=org_id,
        title=body.title,
        summary=body.summary,
        scope=body.scope,
        lessons=[pb.Lesson(**lesson.model_dump()) for lesson in body.lessons],
    )


# -- courses -------------------------------------------------------------------------------------------


@router.post("/orgs/{org_id}/courses", response_model=CourseOut, status_code=201, summary="A draft course of the org")
async def create_course(org_id: PathId, body: CourseBody, request: Request, who: CallerDep):
    return await call(request, who, "CreateCourse", _course_input(org_id, body))


@router.get("/orgs/{org_id}/courses", response_model=CoursesOut, summary="An org's courses, newest first")
async def list_org_courses(
    org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListCoursesRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListCourses", message)


@router.get("/courses", response_model=CoursesOut, summary="Published courses you may take, newest first")
async def list_courses(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    return await call(request, who, "ListCourses", pb.ListCoursesRequest(page=page_request(page_size, cursor)))


@router.get("/courses/{course_id}", response_model=CourseOut, summary="A course with your progress")
async def get_course(course_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetCourse", pb.CourseRef(course_id=course_id))


@router.put("/courses/{course_id}", response_model=CourseOut, summary="Replace a course's texts and lessons")
async def edit_course(course_id: PathId, body: CourseBody, request: Request, who: CallerDep):
    message = pb.EditCourseRequest(course_id=course_id, course=_course_input("", body))
    return await call(request, who, "EditCourse", message)


class NewLessonBody(Body):
    title: Annotated[str, Field(max_length=400)]
    kind: Annotated[str, Field(max_length=16, examples=["text", "audio", "video"])] = "text"
    body: Annotated[str, Field(max_length=40_000)] = ""
    media_id: Annotated[str, Field(max_length=128)] = ""
    minutes: Annotated[int, Field(ge=0, le=10_000)] = 0


@router.post(
    "/courses/{course_id}/lessons", response_model=CourseOut, status_code=201, summary="Add a lesson at the end"
)
async def add_lesson(course_id: PathId, body: NewLessonBody, request: Request, who: CallerDep):
    message = pb.PutLessonRequest(course_id=course_id, lesson=pb.Lesson(**body.model_dump()))
    return await call(request, who, "PutLesson", message)


@router.put("/courses/{course_id}/lessons/{lesson_id}", response_model=CourseOut, summary="Replace one lesson")
async def put_lesson(course_id: PathId, lesson_id: PathId, body: NewLessonBody, request: Request, who: CallerDep):
    message = pb.PutLessonRequest(course_id=course_id, lesson=pb.Lesson(id=lesson_id, **body.model_dump()))
    return await call(request, who, "PutLesson", message)


@router.delete("/courses/{course_id}/lessons/{lesson_id}", response_model=CourseOut, summary="Remove a lesson")
async def delete_lesson(course_id: PathId, lesson_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "DeleteLesson", pb.LessonRef(course_id=course_id, lesson_id=lesson_id))


@router.post("/courses/{course_id}/publish", response_model=CourseOut, summary="Open a draft course to its readers")
async def publish_course(course_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "PublishCourse", pb.CourseRef(course_id=course_id))


@router.post(
    "/courses/{course_id}/lessons/{lesson_id}/complete",
    response_model=LessonCompletedOut,
    summary="Mark a lesson done (again: no change, no points)",
)
async def complete_lesson(course_id: PathId, lesson_id: PathId, request: Request, who: CallerDep):
    message = pb.CompleteLessonRequest(course_id=course_id, lesson_id=lesson_id)
    return await call(request, who, "CompleteLesson", message)


@router.post(
    "/courses/{course_id}/assignments",
    response_model=AssignmentOut,
    status_code=201,
    summary="Assign the course to an org's whole subtree with a deadline",
)
async def assign_course(course_id: PathId, body: AssignBody, request: Request, who: CallerDep):
    message = pb.AssignCourseRequest(course_id=course_id, org_id=body.org_id, deadline=timestamp_of(body.deadline))
    return await call(request, who, "AssignCourse", message)


@router.get("/education/assignments", response_model=AssignmentsOut, summary="Courses assigned to you")
async def my_assignments(request: Request, who: CallerDep):
    return await call(request, who, "ListMyAssignments", pb.MyAssignmentsRequest())


@router.get(
    "/education/assignments/{assignment_id}/report",
    response_model=ReportOut,
    summary="Members and finishers of an org of the assignment and of each org just below it",
)
async def completion_report(assignment_id: PathId, request: Request, who: CallerDep, org_id: OrgFilter = ""):
    message = pb.CompletionReportRequest(assignment_id=assignment_id, org_id=org_id)
    return await call(request, who, "GetCompletionReport", message)


@router.get(
    "/education/assignments/{assignment_id}/unfinished",
    response_model=UnfinishedPageOut,
    summary="Who has not finished yet (a short page with a cursor: read on)",
)
async def unfinished(
    assignment_id: PathId,
    request: Request,
    who: CallerDep,
    org_id: OrgFilter = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.UnfinishedRequest(assignment_id=assignment_id, org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListUnfinished", message)


# -- question banks and exams --------------------------------------------------------------------------


@router.post("/orgs/{org_id}/question-banks", response_model=BankOut, status_code=201, summary="A question bank")
async def create_bank(org_id: PathId, body: BankBody, request: Request, who: CallerDep):
    return await call(request, who, "CreateQuestionBank", pb.QuestionBankInput(org_id=org_id, title=body.title))


@router.post(
    "/question-banks/{bank_id}/questions",
    response_model=BankPageOut,
    status_code=201,
    summary="Add questions (single, multiple, true_false, fill_in) to a bank",
)
async def add_questions(bank_id: PathId, body: QuestionsBody, request: Request, who: CallerDep):
    message = pb.AddQuestionsRequest(bank_id=bank_id, questions=[pb.Question(**q.model_dump()) for q in body.questions])
    return await call(request, who, "AddQuestions", message)


@router.get("/question-banks/{bank_id}/questions", response_model=BankPageOut, summary="A bank's questions and answers")
async def list_questions(
    bank_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListQuestionsRequest(bank_id=bank_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListQuestions", message)


@router.post("/orgs/{org_id}/exams", response_model=ExamOut, status_code=201, summary="An exam drawn from a bank")
async def create_exam(org_id: PathId, body: ExamBody, request: Request, who: CallerDep):
    fields = body.model_dump(exclude={"counts"})
    message = pb.ExamInput(org_id=org_id, counts=[pb.DrawCount(**c.model_dump()) for c in body.counts], **fields)
    return await call(request, who, "CreateExam", message)


@router.get("/orgs/{org_id}/exams", response_model=ExamsOut, summary="An org's exams, newest first")
async def list_exams(org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.ListExamsRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListExams", message)


@router.get("/exams/{exam_id}", response_model=ExamOut, summary="An exam and your attempts")
async def get_exam(exam_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetExam", pb.ExamRef(exam_id=exam_id))


@router.post(
    "/exams/{exam_id}/attempts",
    response_model=AttemptOut,
    status_code=201,
    summary="Start (or resume) an attempt: a randomized paper",
)
async def start_attempt(exam_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "StartAttempt", pb.ExamRef(exam_id=exam_id))


@router.post(
    "/exam-attempts/{attempt_id}/submit",
    response_model=AttemptOut,
    summary="Hand in the answers (one per question, in the paper's order)",
)
async def submit_attempt(attempt_id: PathId, body: SubmitBody, request: Request, who: CallerDep):
    answers = [pb.Answer(**a.model_dump(exclude_none=True)) for a in body.answers]
    return await call(request, who, "SubmitAttempt", pb.SubmitAttemptRequest(attempt_id=attempt_id, answers=answers))


@router.get("/exams/{exam_id}/results", response_model=ResultsOut, summary="Attempts of an org's members")
async def exam_results(
    exam_id: PathId,
    request: Request,
    who: CallerDep,
    org_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ExamResultsRequest(exam_id=exam_id, org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListExamResults", message)


# -- study points --------------------------------------------------------------------------------------


@router.get("/study-points", response_model=MyPointsOut, summary="Your study points per period, today's, the rules")
async def my_points(request: Request, who: CallerDep):
    return await call(request, who, "GetMyPoints", pb.MyPointsRequest())


@router.get("/study-points/history", response_model=HistoryOut, summary="Your awards, newest first")
async def points_history(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.PointsHistoryRequest(page=page_request(page_size, cursor))
    return await call(request, who, "ListMyPointsHistory", message)


@router.get("/orgs/{org_id}/leaderboard", response_model=LeaderboardOut, summary="Top study points of an org")
async def leaderboard(
    org_id: PathId,
    request: Request,
    who: CallerDep,
    period: Annotated[str, Query(max_length=16, examples=["week", "month", "year", "all"])] = "week",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
):
    message = pb.LeaderboardRequest(org_id=org_id, period=period, limit=limit)
    return await call(request, who, "GetLeaderboard", message)


@router.put("/study-rules/{name}", response_model=RuleOut, summary="Change a study points rule (region admins)")
async def set_rule(name: Annotated[str, Path(max_length=32)], body: RuleBody, request: Request, who: CallerDep):
    message = pb.StudyRule(name=name, points=body.points, daily_cap=body.daily_cap)
    return await call(request, who, "SetStudyRule", message)
