"""The mobile scenario through the generated Python bindings, against a real beatbook-server.

Run by scripts/test-bindings.sh, which builds the library, generates the module, starts the
server on loopback and sets BEATBOOK_SERVER_URL, BEATBOOK_SERVER_BIN and BEATBOOK_SERVER_DATA
(the admin CLI makes the team, users and one-time enrolment codes). Standard library only.
"""

import asyncio
import datetime
import json
import os
import subprocess
import sys
import tempfile
import unittest

import beatbook_ffi as bb

URL = os.environ["BEATBOOK_SERVER_URL"]
SERVER_BIN = os.environ["BEATBOOK_SERVER_BIN"]
SERVER_DATA = os.environ["BEATBOOK_SERVER_DATA"]


def admin(*args):
    out = subprocess.run(
        [SERVER_BIN, "admin", "--data", SERVER_DATA, *args],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class Progress(bb.SyncListener):
    """Collects the progress reports a sync sends to the foreign listener."""

    def __init__(self):
        self.reports = []

    def on_progress(self, progress):
        self.reports.append(progress)


class Broken(bb.SyncListener):
    """A progress listener with a bug: the sync must go on regardless."""

    def on_progress(self, progress):
        raise RuntimeError("a bug in the progress bar")


class Device:
    """A phone: its own store file and key, enrolled as one user."""

    def __init__(self, workdir, name, code):
        self.path = os.path.join(workdir, f"{name}.db")
        self.key = os.urandom(32)
        self.store = bb.Store.open(self.path, self.key)
        self.actor = self.store.enrol(URL, code, f"{name}'s phone")

    def sync(self):
        outcome = self.store.sync(None, None)
        assert outcome.is_SYNCED(), outcome
        return outcome.report


def new_patrol(purpose):
    return bb.NewPatrol(
        kind=bb.PatrolKind.FOOT, area=bb.AreaRef.LAP(code="LAP1"), purpose=purpose,
        operation_name=None, participants=[], started_at=now(),
    )


def new_contact(patrol_id, consent, personal):
    return bb.NewContact(
        occurred_at=now(), place=bb.GeoPoint(lat=52.41, lon=-1.51), lsoa_code=None,
        lap_code=None, method=bb.ContactMethod.FOOT_PATROL, audience=bb.Audience.RESIDENT, people_count=2,
        issues=[bb.CrimeCategory.ANTI_SOCIAL_BEHAVIOUR],
        issues_text="Bikes racing on the garages", promised="Call back about the lighting",
        follow_up_due=None, follow_up_owner=None, consent_to_recontact=consent,
        personal=personal, ethnicity=None, repeat_caller=False, vulnerable=False,
        problem_id=None, patrol_id=patrol_id,
    )


def phone_call(method):
    """A contact by `method` with no place: the caller gave their LAP."""
    return bb.NewContact(
        occurred_at=now(), place=None, lsoa_code=None, lap_code="LAP1", method=method,
        audience=bb.Audience.RESIDENT, people_count=1, issues=[],
        issues_text="Rang about parking on the verge", promised=None, follow_up_due=None,
        follow_up_owner=None, consent_to_recontact=False, personal=None, ethnicity=None,
        repeat_caller=False, vulnerable=False, problem_id=None, patrol_id=None,
    )


def triangle(offender):
    return bb.AnalysisTriangle(
        offender=offender, victim=None, location=None, handler=None, guardian=None,
        manager=None,
    )


class MobileScenario(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        team = admin("create-team", "--name", "Python NPT")
        cls.codes = {}
        # The referral's team is its own, so the field day's team figures stay its own.
        referral_team = admin("create-team", "--name", "Python referrals")
        for name, role, in_team in [("ada", "pcso", team), ("ben", "pcso", team),
                                    ("sam", "supervisor", team), ("pia", "pcso", team),
                                    ("val", "cip_volunteer", referral_team),
                                    ("sol", "supervisor", referral_team)]:
            user = admin("create-user", "--name", name.title(), "--role", role, "--team", in_team)
            cls.codes[name] = admin("enrol-code", "--user", user)
        # The corrections scenario's own team: its records stay out of the field day's report.
        other = admin("create-team", "--name", "Python Corrections NPT")
        for name in ["cal", "dee"]:
            user = admin("create-user", "--name", name.title(), "--role", "pcso", "--team", other)
            cls.codes[name] = admin("enrol-code", "--user", user)
        # The retention scenario's sergeant, in a team of their own.
        retention_team = admin("create-team", "--name", "Python Retention NPT")
        user = admin("create-user", "--name", "Rex", "--role", "supervisor",
                     "--team", retention_team)
        cls.codes["rex"] = admin("enrol-code", "--user", user)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_servers_pins_given_at_enrolment_are_checked_and_kept(self):
        store = bb.Store.open(os.path.join(self.tmp.name, "pia.db"), os.urandom(32))
        with self.assertRaises(bb.BeatbookError.BadPin):
            store.enrol(URL, self.codes["pia"], "Pia's phone",
                        bb.ServerTrust(pinned_server_keys=["not a pin"]))
        self.assertIsNone(store.enrolment())
        # Plain http to this machine carries no certificate to check; the pins are kept for
        # the https server a real enrolment names.
        pin = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        store.enrol(URL, self.codes["pia"], "Pia's phone",
                    bb.ServerTrust(pinned_server_keys=[pin]))
        trust = store.enrolment().trust
        self.assertEqual(trust.pinned_server_keys, [pin])
        self.assertIsNone(trust.private_ca_pem)

    def test_nothing_is_due_or_dropped_until_a_schedule_is_set(self):
        rex = Device(self.tmp.name, "rex", self.codes["rex"])
        self.assertEqual(rex.store.retention_schedule().periods, [])
        self.assertEqual(rex.store.retention_due(), [])
        applied = rex.store.apply_retention()
        self.assertEqual((applied.redacted, applied.erased), (0, 0))
        report = rex.sync()
        self.assertEqual(report.retention_dropped, 0)
        self.assertEqual(rex.store.retention_due(), [])

    def test_corrections_travel_with_their_reasons(self):
        cal = Device(self.tmp.name, "cal", self.codes["cal"])
        dee = Device(self.tmp.name, "dee", self.codes["dee"])
        earlier = now() - datetime.timedelta(hours=2)
        patrol = cal.store.start_patrol(new_patrol("Reassurance"))
        mistake = cal.store.start_patrol(new_patrol("Started twice by mistake"))
        note = cal.store.add_note(bb.NewNote(
            observed_at=now(), text="Gate open at no. 12", category=bb.NoteCategory.OBSERVATION,
            place=None, patrol_id=patrol.id, problem_id=None,
        ))
        recorded = cal.store.record_contact(new_contact(patrol.id, False, None))

        def patrol_amendment(started_at=None, purpose=None):
            return bb.PatrolAmendment(started_at=started_at, ended_at=None, purpose=purpose,
                                      area=None, kind=None, operation_name=None)

        # Refused, naming the field: no reason, a start in the future. Nothing is written.
        with self.assertRaises(bb.BeatbookError.Invalid) as caught:
            cal.store.amend_patrol(patrol.id, patrol_amendment(purpose="Other"), " ")
        self.assertEqual(caught.exception.field, "reason")
        with self.assertRaises(bb.BeatbookError.Invalid) as caught:
            cal.store.amend_patrol(
                patrol.id, patrol_amendment(started_at=now() + datetime.timedelta(days=1)),
                "Later")
        self.assertEqual((caught.exception.field, caught.exception.rule),
                         ("started_at", "time_not_allowed"))
        self.assertIsNone(cal.store.patrol(patrol.id).correction_reason)

        # Corrected, cancelled, amended: each with its reason.
        amended = cal.store.amend_patrol(
            patrol.id, patrol_amendment(started_at=earlier, purpose="Reassurance on Elm Row"),
            "Started before I opened the app")
        self.assertEqual(amended.correction_reason, "Started before I opened the app")
        cancelled = cal.store.cancel_patrol(mistake.id, "Started twice by mistake")
        self.assertIsNotNone(cancelled.cancelled_at)
        cal.store.amend_contact(recorded.contact.id, bb.ContactAmendment(
            occurred_at=None, place=None, lsoa_code=None, method=bb.ContactMethod.PHONE,
            audience=None, people_count=3, issues=None, issues_text=None, promised=None,
            repeat_caller=None), "It was a phone call")
        amending = cal.store.amend_note(
            note.id, bb.NoteAmendment(text="Gate open at no. 14", observed_at=None),
            "Wrong house number")
        self.assertEqual(amending.amends, note.id)
        cal.store.amend_follow_up(recorded.follow_up.id, bb.FollowUpAmendment(
            due_at=now() + datetime.timedelta(days=5), promise=None, owner=None),
            "Agreed a later call")
        self.assertEqual([n.id for n in cal.store.patrol_notes(patrol.id)], [amending.id])

        # The other device receives the corrections and their reasons; the log of what was
        # done on this device (collections and alterations) goes to the server with them.
        report = cal.sync()
        self.assertEqual(report.rejected, 0)
        self.assertGreater(report.audit_entries_sent, 0)
        dee.sync()
        self.assertEqual(dee.store.patrol(patrol.id).purpose, "Reassurance on Elm Row")
        self.assertIsNotNone(dee.store.patrol(mistake.id).cancelled_at)
        contact = dee.store.contact(recorded.contact.id)
        self.assertEqual((contact.method, contact.people_count), (bb.ContactMethod.PHONE, 3))
        self.assertEqual(contact.correction_reason, "It was a phone call")
        self.assertEqual([n.text for n in dee.store.patrol_notes(patrol.id)],
                         ["Gate open at no. 14"])
        self.assertEqual([n.id for n in dee.store.note_history(note.id)], [note.id, amending.id])
        # Another PCSO may not correct someone else's patrol.
        with self.assertRaises(bb.BeatbookError.Forbidden):
            dee.store.cancel_patrol(patrol.id, "Not mine")
    def test_a_volunteers_promise_is_referred_to_the_team(self):
        val = Device(self.tmp.name, "val", self.codes["val"])
        sol = Device(self.tmp.name, "sol", self.codes["sol"])
        recorded = val.store.record_contact(new_contact(None, False, None))
        referral = recorded.follow_up
        self.assertIsNone(referral.owner)
        self.assertEqual(referral.referred_by, val.actor.user_id)
        # Referred, never owed.
        self.assertEqual(val.store.open_follow_ups(val.actor.user_id, now()), [])
        self.assertEqual([f.id for f in val.store.referred_follow_ups(val.actor.user_id)],
                         [referral.id])
        # A volunteer cannot change it: the core's denial code reaches the app.
        with self.assertRaises(bb.BeatbookError.Forbidden) as refused:
            val.store.cancel_follow_up(referral.id, "not needed")
        self.assertIn(refused.exception.code, ("volunteers_refer", "not_follow_up_owner"))
        self.assertEqual(val.sync().rejected, 0)
        sol.sync()
        row = next(r for r in sol.store.follow_up_board(now()) if r.follow_up.id == referral.id)
        self.assertIsNone(row.follow_up.owner)
        self.assertEqual(row.referred_by_name, "Val")

    def test_the_field_day_end_to_end(self):
        ada = Device(self.tmp.name, "ada", self.codes["ada"])
        self.assertEqual(ada.actor.role, bb.Role.PCSO)
        self.assertEqual(ada.store.device_actor(), ada.actor)

        # A patrol, a consented contact with a promise, a note.
        patrol = ada.store.start_patrol(new_patrol("Reassurance after the garage fires"))
        self.assertIsNone(patrol.ended_at)
        details = bb.PersonalDetails(name="Ada Example", phone="07700 900321", email=None,
                                     address=None)
        recorded = ada.store.record_contact(new_contact(patrol.id, True, details))
        self.assertTrue(recorded.contact.has_personal_details)
        self.assertEqual(recorded.follow_up.status, bb.FollowUpStatus.OPEN)
        self.assertEqual(recorded.contact.patrol_id, patrol.id)
        note = ada.store.add_note(bb.NewNote(
            observed_at=now(), text="Streetlight out on Elm Road garages",
            category=bb.NoteCategory.ENVIRONMENTAL, place=None, patrol_id=patrol.id,
            problem_id=None,
        ))
        self.assertEqual([n.id for n in ada.store.patrol_notes(patrol.id)], [note.id])
        hits = ada.store.search("streetlight", 10)
        self.assertIn(note.id, [h.record_id for h in hits])
        self.assertEqual(asyncio.run(ada.store.search_async("streetlight", 10)), hits)

        # A phone call needs no place; a door knock does, and says so.
        call = ada.store.record_contact(phone_call(bb.ContactMethod.PHONE))
        self.assertIsNone(call.contact.place)
        self.assertEqual(call.contact.lap_code, "LAP1")
        with self.assertRaises(bb.BeatbookError.Invalid) as caught:
            ada.store.record_contact(phone_call(bb.ContactMethod.DOOR_KNOCK))
        self.assertEqual((caught.exception.field, caught.exception.rule),
                         ("place", "place_required"))

        # Invalid input is a typed error naming the field and rule, without the value.
        with self.assertRaises(bb.BeatbookError.Invalid) as caught:
            ada.store.record_contact(new_contact(patrol.id, False, details))
        self.assertEqual((caught.exception.field, caught.exception.rule),
                         ("personal", "consent_required"))
        self.assertNotIn("Ada Example", str(caught.exception))
        with self.assertRaises(bb.BeatbookError.Invalid) as caught:
            ada.store.patrol("not-an-id")
        self.assertEqual(caught.exception.rule, "format")
        with self.assertRaises(bb.BeatbookError.NotFound):
            ada.store.patrol("0190a5c4-0000-7000-8000-000000000000")

        # A problem, and a stage move for the supervisor.
        problem = ada.store.open_problem(bb.NewProblem(
            title="Garage fires", area=bb.AreaRef.LAP(code="LAP1"),
            category=bb.CrimeCategory.CRIMINAL_DAMAGE_ARSON, owner=None,
            scanning_summary="Three fires in the Elm Road garages this month",
        ))
        self.assertEqual(problem.stage, bb.SaraStage.SCANNING)
        request = ada.store.request_stage_move(problem.id, bb.SaraStage.ANALYSIS, "Pattern seen")

        # Sync, with progress reported to the Python listener, through the async variant.
        progress = Progress()
        outcome = asyncio.run(ada.store.sync_async(progress, None))
        self.assertTrue(outcome.is_SYNCED())
        self.assertGreater(outcome.report.accepted, 0)
        self.assertEqual(outcome.report.pending, 0)
        self.assertIn(bb.SyncPhase.PUSH, [p.phase for p in progress.reports])
        status = ada.store.sync_status()
        self.assertTrue(status.enrolled)
        self.assertEqual(status.pending_changes, 0)
        self.assertIsNotNone(status.last_success_at)

        # A second device receives it, and its own change reaches the first.
        ben = Device(self.tmp.name, "ben", self.codes["ben"])
        ben.sync()
        self.assertEqual(ben.store.problem(problem.id).title, "Garage fires")
        self.assertEqual(ben.store.patrol(patrol.id).purpose, patrol.purpose)
        bens_copy = ben.store.contact(call.contact.id)
        self.assertIsNone(bens_copy.place)
        self.assertEqual((bens_copy.method, bens_copy.lap_code), (bb.ContactMethod.PHONE, "LAP1"))
        bens_note = ben.store.add_note(bb.NewNote(
            observed_at=now(), text="Spoke to the garage owners", category=bb.NoteCategory.COMMUNITY,
            place=None, patrol_id=None, problem_id=problem.id,
        ))
        outcome = ben.store.sync(Broken(), None)
        self.assertTrue(outcome.is_SYNCED(), "a throwing listener stopped the sync")
        self.assertEqual(outcome.report.pending, 0)
        report = ada.sync()
        self.assertGreater(report.pulled, 0)
        self.assertEqual(ada.store.note(bens_note.id).author, ben.actor.user_id)

        # The supervisor approves the stage move; the owner sees it.
        sam = Device(self.tmp.name, "sam", self.codes["sam"])
        sam.sync()
        approvals = sam.store.approval_queue()
        self.assertEqual([a.request.id for a in approvals], [request.id])
        self.assertEqual(approvals[0].problem.id, problem.id)
        self.assertTrue(approvals[0].evidence)

        # The supervisor's review queue, the follow-up board and the team's report.
        queue = {q.member: q for q in sam.store.review_queue(None)}
        adas_items = [i.item for i in queue[ada.actor.user_id].items]
        self.assertEqual(queue[ada.actor.user_id].waiting, len(adas_items))
        page = {q.member: q for q in sam.store.review_queue_page(None, 1)}
        self.assertEqual([i.item for i in page[ada.actor.user_id].items], adas_items[:1])
        self.assertEqual(page[ada.actor.user_id].waiting, len(adas_items))
        self.assertIn(recorded.contact.id, [i.id for i in adas_items])
        self.assertIn(patrol.id, [i.id for i in adas_items])
        reviews = sam.store.mark_reviewed(ada.actor.user_id, adas_items)
        self.assertEqual(sum(len(r.items) for r in reviews), len(adas_items))
        self.assertNotIn(ada.actor.user_id, [q.member for q in sam.store.review_queue(None)])
        with self.assertRaises(bb.BeatbookError.Invalid) as caught:
            ben.store.review_queue(None)
        self.assertEqual(caught.exception.rule, "supervisor_only")
        board = sam.store.follow_up_board(now())
        self.assertIn(recorded.follow_up.id, [row.follow_up.id for row in board])
        report = json.loads(sam.store.report_json(
            now() - datetime.timedelta(days=1), now() + datetime.timedelta(hours=1),
            bb.ReportArea.ALL(), now()))
        self.assertEqual(report["engagement"]["contacts"], 2)
        self.assertEqual(report["follow_ups"]["promised"], 1)
        with self.assertRaises(bb.BeatbookError.Invalid):
            sam.store.report_json(now(), now() - datetime.timedelta(days=1), bb.ReportArea.ALL(), now())

        self.assertIn(request.id, [r.id for r in sam.store.pending_stage_requests()])
        decided = sam.store.decide_stage_request(request.id, bb.StageDecision.APPROVE())
        self.assertEqual(decided.status, bb.StageRequestStatus.APPROVED)
        with self.assertRaises(bb.BeatbookError.Invalid) as caught:
            ben.store.decide_stage_request(request.id, bb.StageDecision.APPROVE())
        self.assertEqual(caught.exception.rule, "supervisor_only")
        sam.sync()
        ada.sync()
        self.assertEqual(ada.store.problem(problem.id).stage, bb.SaraStage.ANALYSIS)

        # A concurrent edit of one field: a conflict, resolved by keeping the losing value.
        ada.store.update_analysis(problem.id, triangle("Local youths on bikes"), [])
        ben.store.update_analysis(problem.id, triangle("Adults from out of area"), [])
        ada.sync()
        ben.sync()
        ada.sync()
        conflicts = ada.store.conflicts(True)
        self.assertEqual(len(conflicts), 1, conflicts)
        conflict = conflicts[0]
        self.assertEqual((conflict.record_kind, conflict.record_id), ("problem", problem.id))
        winner = ada.store.problem(problem.id).triangle.offender
        self.assertEqual(ben.store.problem(problem.id).triangle.offender, winner)
        self.assertIn(winner, conflict.winner_value)
        loser = ({"Local youths on bikes", "Adults from out of area"} - {winner}).pop()
        self.assertIn(loser, conflict.loser_value)
        # Readable: the corner in words, both values as text, both authors by name.
        self.assertEqual(conflict.field_words, "offender (analysis triangle)")
        self.assertEqual((conflict.winner_text, conflict.loser_text), (winner, loser))
        self.assertIsNotNone(conflict.winner_author_name)
        self.assertIsNotNone(conflict.loser_author_name)
        self.assertRegex(conflict.reference, r"^[0-9A-Z]{4}-[0-9A-Z]{4}$")
        resolved = ada.store.resolve_conflict(conflict.id, bb.Resolution.KEEP_LOSER)
        self.assertEqual(resolved.resolution, bb.Resolution.KEEP_LOSER)
        self.assertEqual(ada.store.conflicts(True), [])
        ada.sync()
        ben.sync()
        self.assertEqual(ben.store.problem(problem.id).triangle.offender, loser)
        self.assertEqual(ben.store.conflicts(True), [])

        # A cancelled sync stops with the typed error.
        token = bb.CancelToken()
        token.cancel()
        with self.assertRaises(bb.BeatbookError.Cancelled):
            ben.store.sync(None, token)

        # The wrong key never opens the store; a short key is refused as malformed.
        ben.store.close_store()
        with self.assertRaises(bb.BeatbookError.Closed):
            ben.store.problems()
        with self.assertRaises(bb.BeatbookError.WrongKey):
            bb.Store.open(ben.path, os.urandom(32))
        with self.assertRaises(bb.BeatbookError.BadKey):
            bb.Store.open(ben.path, b"too short")
        reopened = asyncio.run(bb.open_store(ben.path, ben.key))
        self.assertEqual(reopened.problem(problem.id).title, "Garage fires")

        # Revoked: the next sync wipes the store.
        admin("revoke-device", ada.store.enrolment().device_id)
        outcome = ada.store.sync(None, None)
        self.assertTrue(outcome.is_WIPED())
        self.assertFalse(os.path.exists(ada.path))
        self.assertFalse(ada.store.is_open())
        with self.assertRaises(bb.BeatbookError.Closed):
            ada.store.sync_status()


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    failed = len(result.failures) + len(result.errors)
    print(f"python bindings: {result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or not result.testsRun else 0)
