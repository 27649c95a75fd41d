"""The gRPC servicer of education (党员教育): messages ↔ calls of courses.py, exams.py and study.py."""

from __future__ import annotations

import datetime as dt

from jiceng.content.v1 import education_pb2 as pb
from jiceng.content.v1 import education_pb2_grpc
from kernel.wire import timestamp
from services.content import access, courses, exams, people, study
from services.content.domain import courses as course_rules
from services.content.domain import exams as exam_rules
from services.content.domain import study_points as points_rules

SERVICE = "jiceng.content.v1.EducationService"


def _when(moment: dt.datetime | None):
    return timestamp(moment) if moment else None


def _lessons(request_lessons) -> list[course_rules.Lesson]:
    return [course_rules.Lesson(x.id, x.title, x.kind, x.body, x.media_id, x.minutes) for x in request_lessons]


def _progress(course: courses.Course, row: courses.CourseProgress | None) -> pb.CourseProgress:
    ids = courses.lesson_ids(course)
    done = list(row.done) if row else []
    return pb.CourseProgress(
        lessons_done=len(set(ids) & set(done)),
        lessons=len(ids),
        percent=course_rules.progress_percent(ids, done),
        exam_passed=bool(row and row.exam_passed),
        finished=bool(row and row.finished_at),
        finished_at=_when(row.finished_at if row else None),
    )


def _course(course: courses.Course, manageable: bool, row=None, org_names=None) -> pb.Course:
    done = set(row.done) if row else set()
    return pb.Course(
        id=str(course.id),
        org_id=course.org_id,
        org_name=(org_names or {}).get(course.org_id, ""),
        author_id=course.author_id,
        title=course.title,
        summary=course.summary,
        scope=course.scope,
        state=course.state,
        lessons=[pb.Lesson(**lesson, done=lesson["id"] in done) for lesson in course.lessons],
        exam_id=course.exam_id,
        created_at=_when(course.created_at),
        published_at=_when(course.published_at),
        manageable=manageable,
        progress=_progress(course, row),
    )


def _assignment(row: courses.CourseAssignment, course: courses.Course, progress=None) -> pb.CourseAssignment:
    deadline = row.deadline if row.deadline.tzinfo else row.deadline.replace(tzinfo=dt.UTC)
    overdue = deadline < dt.datetime.now(dt.UTC) and not (progress and progress.finished_at)
    return pb.CourseAssignment(
        id=str(row.id),
        course_id=row.course_id,
        course_title=course.title,
        org_id=row.org_id,
        assigned_by=row.assigned_by,
        deadline=_when(row.deadline),
        created_at=_when(row.created_at),
        progress=_progress(course, progress),
        overdue=overdue,
    )


def _question(row: exams.BankQuestion) -> pb.Question:
    return pb.Question(
        id=str(row.id),
        kind=row.kind,
        text=row.text,
        options=row.options,
        answer=row.answer,
        accepted=row.accepted,
        points=row.points,
    )


def _bank(bank: exams.QuestionBank) -> pb.QuestionBank:
    return pb.QuestionBank(
        id=str(bank.id),
        org_id=bank.org_id,
        title=bank.title,
        questions=bank.questions,
        created_at=_when(bank.created_at),
    )


def _summary(attempt: exams.ExamAttempt, names=None) -> pb.AttemptSummary:
    return pb.AttemptSummary(
        id=str(attempt.id),
        number=attempt.number,
        state=attempt.state,
        score=attempt.score,
        passed=attempt.passed,
        started_at=_when(attempt.started_at),
        submitted_at=_when(attempt.submitted_at),
        account_id=attempt.account_id,
        display_name=(names or {}).get(attempt.account_id, ""),
        org_id=attempt.org_id,
    )


def _exam(exam: exams.Exam, manageable: bool, mine=()) -> pb.Exam:
    return pb.Exam(
        id=str(exam.id),
        org_id=exam.org_id,
        title=exam.title,
        course_id=exam.course_id,
        scope=exam.scope,
        counts=[pb.DrawCount(kind=kind, count=n) for kind, n in exam.counts],
        questions=sum(n for _, n in exam.counts),
        time_limit_minutes=exam.time_limit_seconds // 60,
        pass_score=exam.pass_score,
        max_attempts=exam.max_attempts,
        cooldown_minutes=exam.cooldown_seconds // 60,
        retake_after_pass=exam.retake_after_pass,
        created_at=_when(exam.created_at),
        bank_id=exam.bank_id if manageable else "",
        manageable=manageable,
        my_attempts=[_summary(a) for a in mine],
    )


def _attempt(attempt: exams.ExamAttempt) -> pb.ExamAttempt:
    graded = attempt.state == exams.SUBMITTED
    return pb.ExamAttempt(
        summary=_summary(attempt),
        exam_id=attempt.exam_id,
        questions=[
            pb.PaperQuestion(
                kind=item["kind"],
                text=item["text"],
                options=item["options"],
                points=item["points"],
                correct=graded and attempt.correct[i],
            )
            for i, item in enumerate(attempt.items)
        ],
        expires_at=_when(attempt.expires_at),
        earned=attempt.earned,
        possible=attempt.possible,
        points=attempt.points,
    )


def _answer(answer: pb.Answer) -> exam_rules.Answer:
    return exam_rules.Answer(
        options=tuple(answer.options), text=answer.text, truth=answer.truth if answer.HasField("truth") else None
    )


class EducationApi(education_pb2_grpc.EducationServiceServicer):
    # -- courses ---------------------------------------------------------------------------------------
    def CreateCourse(self, request, context):
        r = request
        course = courses.create(r.org_id, r.title, r.summary, r.scope, _lessons(r.lessons))
        return _course(course, True, org_names=people.org_names([course.org_id]))

    def EditCourse(self, request, context):
        c = request.course
        course = courses.edit(request.course_id, c.title, c.summary, c.scope, _lessons(c.lessons))
        return _course(course, True, org_names=people.org_names([course.org_id]))

    def PutLesson(self, request, context):
        course = courses.put_lesson(request.course_id, _lessons([request.lesson])[0])
        return _course(course, True, org_names=people.org_names([course.org_id]))

    def DeleteLesson(self, request, context):
        course = courses.delete_lesson(request.course_id, request.lesson_id)
        return _course(course, True, org_names=people.org_names([course.org_id]))

    def PublishCourse(self, request, context):
        course = courses.publish(request.course_id)
        return _course(course, True, org_names=people.org_names([course.org_id]))

    def GetCourse(self, request, context):
        course, manageable = courses.readable(request.course_id)
        row = courses.progress_of(str(course.id), access.actor().account_id)
        return _course(course, manageable, row, people.org_names([course.org_id]))

    def ListCourses(self, request, context):
        rows, cursor = courses.list_courses(request.org_id, request.page.page_size, request.page.cursor)
        names = people.org_names(c.org_id for c in rows)
        return pb.ListCoursesResponse(courses=[_course(c, False, org_names=names) for c in rows], next_cursor=cursor)

    def AssignCourse(self, request, context):
        deadline = request.deadline.ToDatetime(tzinfo=dt.UTC) if request.HasField("deadline") else None
        row, course = courses.assign(request.course_id, request.org_id, deadline)
        return _assignment(row, course)

    def ListMyAssignments(self, request, context):
        return pb.MyAssignments(assignments=[_assignment(a, c, p) for a, c, p in courses.my_assignments()])

    def CompleteLesson(self, request, context):
        course, row, earned = courses.complete_lesson(request.course_id, request.lesson_id)
        return pb.LessonCompleted(progress=_progress(course, row), points=earned)

    def GetCompletionReport(self, request, context):
        assignment, course, rows = courses.report(request.assignment_id, request.org_id)
        names = people.org_names(r[0] for r in rows)
        orgs = [pb.OrgCompletion(org_id=o, org_name=names.get(o, ""), members=m, finished=f) for o, m, f in rows]
        return pb.CompletionReport(assignment=_assignment(assignment, course), summary=orgs[0], below=orgs[1:])

    def GetStudySummary(self, request, context):
        assignments, members, finished, truncated = courses.study_summary(request.since, request.until)
        return pb.StudySummary(assignments=assignments, members=members, finished=finished, truncated=truncated)

    def ListUnfinished(self, request, context):
        _, rows, cursor = courses.unfinished(
            request.assignment_id, request.org_id, request.page.page_size, request.page.cursor
        )
        return pb.UnfinishedMembers(
            members=[
                pb.UnfinishedMember(
                    account_id=person.account_id,
                    display_name=person.display_name,
                    org_id=person.org_id,
                    lessons_done=len(progress.done) if progress else 0,
                )
                for person, progress in rows
            ],
            next_cursor=cursor,
        )

    # -- question banks and exams ----------------------------------------------------------------------
    def CreateQuestionBank(self, request, context):
        return _bank(exams.create_bank(request.org_id, request.title))

    def AddQuestions(self, request, context):
        raw = [
            exam_rules.Question(q.text, q.kind, tuple(q.options), tuple(q.answer), tuple(q.accepted), q.points or 1)
            for q in request.questions
        ]
        bank, rows = exams.add_questions(request.bank_id, raw)
        return pb.QuestionBankPage(bank=_bank(bank), questions=[_question(r) for r in rows])

    def ListQuestions(self, request, context):
        bank, rows, cursor = exams.questions_of(request.bank_id, request.page.page_size, request.page.cursor)
        return pb.QuestionBankPage(bank=_bank(bank), questions=[_question(r) for r in rows], next_cursor=cursor)

    def CreateExam(self, request, context):
        rule = exam_rules.paper_rule(
            {c.kind: c.count for c in request.counts},
            time_limit_minutes=request.time_limit_minutes,
            pass_score=request.pass_score,
            max_attempts=request.max_attempts,
            cooldown_minutes=request.cooldown_minutes,
            retake_after_pass=request.retake_after_pass,
            shuffle_options=request.shuffle_options,
        )
        exam = exams.create_exam(request.org_id, request.title, request.bank_id, rule, request.course_id, request.scope)
        return _exam(exam, True)

    def GetExam(self, request, context):
        exam, manageable, mine = exams.get_exam(request.exam_id)
        return _exam(exam, manageable, mine)

    def ListExams(self, request, context):
        rows, cursor = exams.list_exams(request.org_id, request.page.page_size, request.page.cursor)
        return pb.ListExamsResponse(exams=[_exam(e, False) for e in rows], next_cursor=cursor)

    def StartAttempt(self, request, context):
        return _attempt(exams.start(request.exam_id))

    def SubmitAttempt(self, request, context):
        attempt, _ = exams.submit(request.attempt_id, [_answer(a) for a in request.answers])
        return _attempt(attempt)

    def ListExamResults(self, request, context):
        _, rows, cursor = exams.results(request.exam_id, request.org_id, request.page.page_size, request.page.cursor)
        names = people.names(a.account_id for a in rows)
        return pb.ExamResults(attempts=[_summary(a, names) for a in rows], next_cursor=cursor)

    # -- study points ----------------------------------------------------------------------------------
    def GetMyPoints(self, request, context):
        totals, today = study.my_points()
        table = study.table(access.tenant())
        return pb.MyPoints(
            totals=[pb.PeriodTotal(period=p, points=totals[p]) for p in points_rules.PERIODS],
            today=[pb.StudyRule(name=name, points=points) for name, points in sorted(today.items())],
            rules=[pb.StudyRule(name=r.name, points=r.points, daily_cap=r.daily_cap) for r in table.values()],
        )

    def ListMyPointsHistory(self, request, context):
        rows, cursor = study.history(request.page.page_size, request.page.cursor)
        return pb.PointsHistory(
            awards=[
                pb.PointsAward(rule=r.rule, title=r.title, points=r.points, requested=r.requested, at=_when(r.at))
                for r in rows
            ],
            next_cursor=cursor,
        )

    def GetLeaderboard(self, request, context):
        period = request.period or points_rules.WEEK
        top, mine, rank = study.leaderboard(request.org_id, period, request.limit)
        names = people.names([*(r.account_id for r in top), *([mine.account_id] if mine else [])])
        rows, place, last = [], 0, None
        for i, row in enumerate(top):
            if row.points != last:  # equal points share a rank
                place, last = i + 1, row.points
            rows.append(
                pb.LeaderboardRow(
                    rank=place, account_id=row.account_id, display_name=names.get(row.account_id, ""), points=row.points
                )
            )
        me = access.actor().account_id
        return pb.Leaderboard(
            org_id=request.org_id,
            period=period,
            rows=rows,
            mine=pb.LeaderboardRow(
                rank=rank, account_id=me, display_name=names.get(me, ""), points=mine.points if mine else 0
            ),
        )

    def SetStudyRule(self, request, context):
        rule = study.set_rule(request.name, request.points, request.daily_cap)
        return pb.StudyRule(name=rule.name, points=rule.points, daily_cap=rule.daily_cap)
