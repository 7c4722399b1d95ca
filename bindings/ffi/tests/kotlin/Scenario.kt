// The mobile scenario through the generated Kotlin bindings (JNA), against a real
// beatbook-server: what the Android app does, on the JVM. Run by scripts/test-bindings.sh,
// which sets BEATBOOK_SERVER_URL, BEATBOOK_SERVER_BIN and BEATBOOK_SERVER_DATA.
// Uses coroutines the way the app does: suspend variants from a coroutine, blocking calls
// on Dispatchers.IO.

import java.io.File
import java.nio.file.Files
import java.security.SecureRandom
import java.time.Instant
import java.util.concurrent.CopyOnWriteArrayList
import kotlin.system.exitProcess
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import org.beatbook.core.*

val serverUrl: String = System.getenv("BEATBOOK_SERVER_URL") ?: error("BEATBOOK_SERVER_URL not set")
val serverBin: String = System.getenv("BEATBOOK_SERVER_BIN") ?: error("BEATBOOK_SERVER_BIN not set")
val serverData: String = System.getenv("BEATBOOK_SERVER_DATA") ?: error("BEATBOOK_SERVER_DATA not set")

fun admin(vararg args: String): String {
    val errors = File.createTempFile("admin", ".err")
    try {
        val process = ProcessBuilder(listOf(serverBin, "admin", "--data", serverData) + args)
            .redirectError(errors)
            .start()
        val out = process.inputStream.bufferedReader().readText().trim()
        check(process.waitFor() == 0) { "admin ${args.toList()} failed: ${errors.readText()}" }
        return out
    } finally {
        errors.delete()
    }
}

fun newKey(): ByteArray = ByteArray(32).also { SecureRandom().nextBytes(it) }

/** Collects progress reports; called on the sync's thread. */
class Progress : SyncListener {
    val reports = CopyOnWriteArrayList<SyncProgress>()
    override fun onProgress(progress: SyncProgress) {
        reports.add(progress)
    }
}

/** A listener with a bug: the sync must go on regardless. */
class Broken : SyncListener {
    override fun onProgress(progress: SyncProgress): Unit = throw IllegalStateException("a bug in the progress bar")
}

class Device(dir: File, name: String, code: String) {
    val path: String = File(dir, "$name.db").path
    val key = newKey()
    val store: Store = Store.open(path, key)
    val actor: Actor = store.enrol(serverUrl, code, "$name's phone")

    fun sync(): SyncReport {
        val outcome = store.sync(null, null)
        check(outcome is SyncOutcome.Synced) { "not synced: $outcome" }
        return outcome.report
    }
}

fun newPatrol(purpose: String) = NewPatrol(
    kind = PatrolKind.FOOT, area = AreaRef.Lap("LAP1"), purpose = purpose,
    operationName = null, participants = emptyList(), startedAt = Instant.now(),
)

fun newContact(patrolId: String?, consent: Boolean, personal: PersonalDetails?) = NewContact(
    occurredAt = Instant.now(), place = GeoPoint(52.41, -1.51), lsoaCode = null, lapCode = null,
    method = ContactMethod.FOOT_PATROL, audience = Audience.RESIDENT, peopleCount = 2u,
    issues = listOf(CrimeCategory.ANTI_SOCIAL_BEHAVIOUR),
    issuesText = "Bikes racing on the garages", promised = "Call back about the lighting",
    followUpDue = null, followUpOwner = null, consentToRecontact = consent, personal = personal,
    ethnicity = null, repeatCaller = false, vulnerable = false, problemId = null,
    patrolId = patrolId,
)

/** A contact by [method] with no place: the caller gave their LAP. */
fun phoneCall(method: ContactMethod) = NewContact(
    occurredAt = Instant.now(), place = null, lsoaCode = null, lapCode = "LAP1", method = method,
    audience = Audience.RESIDENT, peopleCount = 1u, issues = emptyList(),
    issuesText = "Rang about parking on the verge", promised = null, followUpDue = null,
    followUpOwner = null, consentToRecontact = false, personal = null, ethnicity = null,
    repeatCaller = false, vulnerable = false, problemId = null, patrolId = null,
)

fun triangle(offender: String) = AnalysisTriangle(offender, null, null, null, null, null)

var passed = 0
var failed = 0

fun check(name: String, condition: Boolean, detail: () -> String = { "" }) {
    if (condition) passed++ else {
        failed++
        System.err.println("FAILED: $name ${detail()}")
    }
}

inline fun <reified E : Throwable> expect(name: String, block: () -> Unit): E? {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) {
            passed++
            return e
        }
        failed++
        System.err.println("FAILED: $name threw ${e::class.qualifiedName}: ${e.message}")
        return null
    }
    failed++
    System.err.println("FAILED: $name did not throw")
    return null
}

fun main() {
    val dir = Files.createTempDirectory("beatbook-kotlin").toFile()
    try {
        runBlocking { scenario(dir) }
    } catch (e: Throwable) {
        failed++
        System.err.println("FAILED: the scenario stopped: ${e::class.qualifiedName}: ${e.message}")
    } finally {
        dir.deleteRecursively()
    }
    println("kotlin bindings: $passed passed, $failed failed")
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}

suspend fun scenario(dir: File) {
    val team = admin("create-team", "--name", "Kotlin NPT")
    val codes = listOf("ada" to "pcso", "ben" to "pcso", "sam" to "supervisor", "val" to "cip_volunteer").associate { (name, role) ->
        val user = admin("create-user", "--name", name.replaceFirstChar { it.uppercase() }, "--role", role, "--team", team)
        name to admin("enrol-code", "--user", user)
    }

    val ada = withContext(Dispatchers.IO) { Device(dir, "ada", codes.getValue("ada")) }
    check("enrolled as a PCSO", ada.actor.role == Role.PCSO)
    check("the device owner is the enrolled user", ada.store.deviceActor() == ada.actor)

    // A patrol, a consented contact with a promise, a note.
    val patrol = ada.store.startPatrol(newPatrol("Reassurance after the garage fires"))
    check("a started patrol is open", patrol.endedAt == null)
    val details = PersonalDetails("Ada Example", "07700 900321", null, null)
    val recorded = ada.store.recordContact(newContact(patrol.id, true, details))
    check("personal details held", recorded.contact.hasPersonalDetails)
    check("a promise makes a follow-up", recorded.followUp?.status == FollowUpStatus.OPEN)
    val note = ada.store.addNote(NewNote(Instant.now(), "Streetlight out on Elm Road garages",
        NoteCategory.ENVIRONMENTAL, null, patrol.id, null))
    check("the note is on the patrol", ada.store.patrolNotes(patrol.id).map { it.id } == listOf(note.id))
    val hits = ada.store.searchAsync("streetlight", 10u)
    check("search finds the note", hits.any { it.recordId == note.id }) { "$hits" }

    // A phone call needs no place; a door knock does, and says so.
    val call = ada.store.recordContact(phoneCall(ContactMethod.PHONE))
    check("a phone call without a place", call.contact.place == null && call.contact.lapCode == "LAP1") { "${call.contact}" }
    val noPlace = expect<BeatbookException.Invalid>("a door knock without a place") {
        ada.store.recordContact(phoneCall(ContactMethod.DOOR_KNOCK))
    }
    check("the place rule is named", noPlace?.field == "place" && noPlace.rule == "place_required") { "$noPlace" }

    // Invalid input: typed, with the field and rule, and no personal data in the message.
    val invalid = expect<BeatbookException.Invalid>("details without consent") {
        ada.store.recordContact(newContact(patrol.id, false, details))
    }
    check("the consent rule is named", invalid?.field == "personal" && invalid.rule == "consent_required") { "$invalid" }
    check("no personal data in the message", invalid?.message?.contains("Ada Example") == false)
    val badId = expect<BeatbookException.Invalid>("a malformed id") { ada.store.patrol("not-an-id") }
    check("a malformed id is a format error", badId?.rule == "format")
    expect<BeatbookException.NotFound>("an unknown id") { ada.store.patrol("0190a5c4-0000-7000-8000-000000000000") }

    // A problem and a stage move for the supervisor.
    val problem = ada.store.openProblem(NewProblem("Garage fires", AreaRef.Lap("LAP1"),
        CrimeCategory.CRIMINAL_DAMAGE_ARSON, null, "Three fires in the Elm Road garages this month"))
    check("a new problem is at Scanning", problem.stage == SaraStage.SCANNING)
    val request = ada.store.requestStageMove(problem.id, SaraStage.ANALYSIS, "Pattern seen")

    // Sync from a coroutine, with progress to a Kotlin listener.
    val progress = Progress()
    val outcome = ada.store.syncAsync(progress, null)
    check("synced", outcome is SyncOutcome.Synced) { "$outcome" }
    val report = (outcome as SyncOutcome.Synced).report
    check("changes accepted", report.accepted > 0u && report.pending == 0uL) { "$report" }
    check("push progress reported", progress.reports.any { it.phase == SyncPhase.PUSH }) { "${progress.reports}" }
    val status = ada.store.syncStatus()
    check("status after sync", status.enrolled && status.pendingChanges == 0uL && status.lastSuccessAt != null) { "$status" }

    // A second device receives it; its own change reaches the first.
    val ben = withContext(Dispatchers.IO) { Device(dir, "ben", codes.getValue("ben")) }
    ben.sync()
    check("the problem arrived", ben.store.problem(problem.id).title == "Garage fires")
    val bensCall = ben.store.contact(call.contact.id)
    check("the phone call arrived without a place", bensCall.place == null && bensCall.method == ContactMethod.PHONE && bensCall.lapCode == "LAP1") { "$bensCall" }
    val bensNote = ben.store.addNote(NewNote(Instant.now(), "Spoke to the garage owners",
        NoteCategory.COMMUNITY, null, null, problem.id))
    val bensSync = ben.store.sync(Broken(), null)
    check("a throwing listener does not stop the sync", bensSync is SyncOutcome.Synced && bensSync.report.pending == 0uL) { "$bensSync" }
    check("pulled something", ada.sync().pulled > 0u)
    check("the second device's note arrived", ada.store.note(bensNote.id).author == ben.actor.userId)

    // The supervisor approves the stage move.
    val sam = withContext(Dispatchers.IO) { Device(dir, "sam", codes.getValue("sam")) }
    sam.sync()
    check("the request waits for the supervisor", sam.store.pendingStageRequests().any { it.id == request.id })
    val approval = sam.store.approvalQueue().singleOrNull()
    check("the approval comes with its evidence", approval?.problem?.id == problem.id && approval.evidence.isNotEmpty())

    // The supervisor's review queue and follow-up board.
    val adasItems = sam.store.reviewQueue(null).single { it.member == ada.actor.userId }.items.map { it.item }
    check("the contact waits for review", adasItems.any { it.id == recorded.contact.id })
    val adasPage = sam.store.reviewQueuePage(null, 1u).single { it.member == ada.actor.userId }
    check("a page is the oldest, counting all", adasPage.items.map { it.item } == adasItems.take(1) && adasPage.waiting == adasItems.size.toULong())
    val reviews = sam.store.markReviewed(ada.actor.userId, adasItems)
    check("all marked", reviews.sumOf { it.items.size } == adasItems.size)
    check("the queue is empty for Ada", sam.store.reviewQueue(null).none { it.member == ada.actor.userId })
    check("the promise is on the board", sam.store.followUpBoard(Instant.now()).any { it.followUp.id == recorded.followUp?.id })
    val decided = sam.store.decideStageRequest(request.id, StageDecision.Approve)
    check("approved", decided.status == StageRequestStatus.APPROVED)
    val notSupervisor = expect<BeatbookException.Invalid>("a PCSO approving") {
        ben.store.decideStageRequest(request.id, StageDecision.Approve)
    }
    check("only a supervisor approves", notSupervisor?.rule == "supervisor_only")
    sam.sync()
    ada.sync()
    check("the owner sees the new stage", ada.store.problem(problem.id).stage == SaraStage.ANALYSIS)

    // A concurrent edit: a conflict, resolved by keeping the losing value.
    ada.store.updateAnalysis(problem.id, triangle("Local youths on bikes"), emptyList())
    ben.store.updateAnalysis(problem.id, triangle("Adults from out of area"), emptyList())
    ada.sync(); ben.sync(); ada.sync()
    val conflicts = ada.store.conflicts(true)
    check("one conflict", conflicts.size == 1) { "$conflicts" }
    val conflict = conflicts.first()
    check("on the problem", conflict.recordKind == "problem" && conflict.recordId == problem.id)
    val winner = ada.store.problem(problem.id).triangle.offender ?: ""
    check("both devices hold the winner", ben.store.problem(problem.id).triangle.offender == winner)
    val loser = setOf("Local youths on bikes", "Adults from out of area").minus(winner).single()
    check("the loser is kept", conflict.loserValue.contains(loser)) { conflict.loserValue }
    // Readable: the corner in words, both values as text, both authors by name, a reference.
    check("the field in words", conflict.fieldWords == "offender (analysis triangle)") { conflict.fieldWords }
    check("the values as text", conflict.loserText == loser && conflict.winnerText == winner) { "$conflict" }
    check("the authors by name", conflict.winnerAuthorName != null && conflict.loserAuthorName != null) { "$conflict" }
    check("a short reference", conflict.reference.length == 9 && conflict.reference[4] == '-') { conflict.reference }
    val resolved = ada.store.resolveConflict(conflict.id, Resolution.KEEP_LOSER)
    check("resolved", resolved.resolution == Resolution.KEEP_LOSER && ada.store.conflicts(true).isEmpty())
    ada.sync(); ben.sync()
    check("the kept value reached the other device", ben.store.problem(problem.id).triangle.offender == loser)
    check("resolved there too", ben.store.conflicts(true).isEmpty())

    // Corrections, each with its reason, reach the other device; a note is corrected by a new one.
    val refused = expect<BeatbookException.Invalid>("a correction without a reason") {
        ada.store.amendPatrol(patrol.id, PatrolAmendment(null, null, "Other", null, null, null), " ")
    }
    check("the refusal names the reason", refused?.field == "reason") { "${refused?.field}" }
    val amendedPatrol = ada.store.amendPatrol(
        patrol.id, PatrolAmendment(null, null, "Reassurance on Elm Road", null, null, null), "Wrong road")
    check("the patrol keeps the reason", amendedPatrol.correctionReason == "Wrong road")
    val amendingNote = ada.store.amendNote(note.id, NoteAmendment("Streetlight out on Elm Row garages", null), "Wrong street")
    check("the amending note names the original", amendingNote.amends == note.id)
    val startedTwice = ada.store.startPatrol(newPatrol("Started twice by mistake"))
    check("cancelled", ada.store.cancelPatrol(startedTwice.id, "Started twice by mistake").cancelledAt != null)
    ada.sync(); ben.sync()
    check("the correction arrived", ben.store.patrol(patrol.id).purpose == "Reassurance on Elm Road")
    check("its reason arrived", ben.store.patrol(patrol.id).correctionReason == "Wrong road")
    check("the cancellation arrived", ben.store.patrol(startedTwice.id).cancelledAt != null)
    check("the amending note replaces the original in lists",
        ben.store.patrolNotes(patrol.id).map { it.id } == listOf(amendingNote.id)) { "${ben.store.patrolNotes(patrol.id)}" }
    check("the original stays readable",
        ben.store.noteHistory(note.id).map { it.id } == listOf(note.id, amendingNote.id))

    // Cancellation: a cancelled token stops the sync with the typed error.
    val token = CancelToken()
    token.cancel()
    expect<BeatbookException.Cancelled>("a cancelled sync") { ben.store.sync(null, token) }

    // Keys: the wrong key never opens the store; a short key is malformed.
    ben.store.closeStore()
    expect<BeatbookException.Closed>("a closed store") { ben.store.problems() }
    expect<BeatbookException.WrongKey>("the wrong key") { Store.open(ben.path, newKey()) }
    expect<BeatbookException.BadKey>("a short key") { Store.open(ben.path, ByteArray(16)) }
    val reopened = openStore(ben.path, ben.key)
    check("reopened with its key", reopened.problem(problem.id).title == "Garage fires")
    reopened.close()

    // A volunteer's promise is referred to the team: on the board, never owed by them.
    val vol = withContext(Dispatchers.IO) { Device(dir, "val", codes.getValue("val")) }
    val referral = vol.store.recordContact(newContact(null, false, null)).followUp!!
    check("a volunteer's promise has no owner", referral.owner == null && referral.referredBy == vol.actor.userId)
    check("never owed by the volunteer", vol.store.openFollowUps(vol.actor.userId, Instant.now()).isEmpty())
    check("listed as referred", vol.store.referredFollowUps(vol.actor.userId).any { it.id == referral.id })
    val denied = expect<BeatbookException.Forbidden>("a volunteer cancelling their referral") {
        vol.store.cancelFollowUp(referral.id, "not needed")
    }
    check("the core's denial code reaches the app", denied?.code in setOf("volunteers_refer", "not_follow_up_owner")) { "${denied?.code}" }
    check("the server accepts the referral", vol.sync().rejected == 0uL)
    sam.sync()
    check("the referral is on the sergeant's board", sam.store.followUpBoard(Instant.now()).any {
        it.followUp.id == referral.id && it.followUp.owner == null && it.referredByName == "Val"
    })

    // Revoked: the next sync wipes the store.
    admin("revoke-device", ada.store.enrolment()!!.deviceId)
    val wiped = ada.store.syncAsync(null, null)
    check("wiped", wiped is SyncOutcome.Wiped) { "$wiped" }
    check("the file is gone", !File(ada.path).exists())
    expect<BeatbookException.Closed>("a wiped store") { ada.store.syncStatus() }
}
