//! SARA problems in the store: opening a problem, its append-only steps, and reading problems
//! back. A problem is the one record in Beatbook that lives for months and is signed off stage by
//! stage, so every change to it is audited and the evidence behind each approval (its steps) can
//! only ever be added to. The analysis, response and assessment edits live in `responses`; the
//! stage-move requests and supervisors' decisions in `stages`.

mod approvals;
mod responses;
mod shown;
mod stages;

pub use approvals::PendingApproval;
pub use stages::StageDecision;
pub(crate) use stages::{load_request, write_request};

use super::audit::{self, AuditAction, AuditEvent};
use super::rows::{conversion, from_json, to_json, OptionalRow};
use super::search::{self, next_record_row, SearchKind};
use super::sql_time::{t, SqlTime};
use super::Store;
use crate::error::Result;
use crate::ids::{ProblemId, StepId, UserId};
use crate::model::{
    Actor, AnalysisTriangle, AreaRef, NewProblem, Problem, ProblemStep, Role, SaraStage,
};
use crate::validation::{check, limits, Rule, ValidationError};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// The audit log's name for a problem; every problem entry is keyed on the problem's id.
const KIND: &str = "problem";

const SELECT: &str = "SELECT id, title, area_kind, area_id, category, owner, stage, triangle,
    repeat_types, responses, assessment, created_by, created_at, updated_at, stage_changed_at
    FROM problems";

const SELECT_STEPS: &str =
    "SELECT id, problem_id, stage, text, author, recorded_at FROM problem_steps";

impl Store {
    /// Opens a problem at the Scanning stage. Its `scanning_summary` becomes the first step.
    /// The owner defaults to whoever opens it; volunteers do not open problems.
    pub fn open_problem(&self, actor: &Actor, mut new: NewProblem) -> Result<Problem> {
        new.validate()?;
        refuse_volunteer(actor, "volunteers do not open problems")?;
        new.area = self.known_area("area", new.area)?;
        let now = self.now();
        let owner = new.owner.unwrap_or(actor.user_id);
        let problem = Problem {
            id: ProblemId::new(),
            title: new.title.trim().to_owned(),
            area: new.area,
            category: new.category,
            owner,
            stage: SaraStage::Scanning,
            triangle: AnalysisTriangle::default(),
            repeat_types: Vec::new(),
            responses: Vec::new(),
            assessment: None,
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
            stage_changed_at: now,
        };
        let step = ProblemStep {
            id: StepId::new(),
            problem_id: problem.id,
            stage: SaraStage::Scanning,
            text: new.scanning_summary.trim().to_owned(),
            author: actor.user_id,
            recorded_at: now,
        };
        self.write_as(Some(actor), |tx| {
            if owner != actor.user_id {
                check_owner(tx, owner)?;
            }
            save(tx, &problem)?;
            insert_step(tx, &step)?;
            reindex(tx, &problem)?;
            let id = problem.id.to_string();
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Collection, KIND, &id),
            )?;
            Ok(())
        })?;
        Ok(problem)
    }

    pub fn problem(&self, id: ProblemId) -> Result<Problem> {
        self.read(|conn| load(conn, id))
    }

    /// Every problem, oldest first.
    pub fn problems(&self) -> Result<Vec<Problem>> {
        self.read(|conn| {
            query_problems(
                conn,
                &format!("{SELECT} ORDER BY created_at, id"),
                params![],
            )
        })
    }

    /// The problems at one stage, oldest first.
    pub fn problems_at(&self, stage: SaraStage) -> Result<Vec<Problem>> {
        self.read(|conn| {
            query_problems(
                conn,
                &format!("{SELECT} WHERE stage = ?1 ORDER BY created_at, id"),
                params![stage],
            )
        })
    }

    /// A problem's steps, in the order they were recorded.
    pub fn problem_steps(&self, id: ProblemId) -> Result<Vec<ProblemStep>> {
        self.read(|conn| {
            exists(conn, id)?;
            load_steps(conn, id)
        })
    }

    /// Adds a step at the problem's current stage. Steps are never changed afterwards: a
    /// correction is a new step. Refused on a closed problem, and for volunteers.
    pub fn add_problem_step(
        &self,
        actor: &Actor,
        problem_id: ProblemId,
        text: &str,
    ) -> Result<ProblemStep> {
        check::required_text("text", text, limits::LONG_TEXT)?;
        refuse_volunteer(actor, "volunteers do not add to problems")?;
        let now = self.now();
        self.write_as(Some(actor), |tx| {
            let problem = load(tx, problem_id)?;
            require_open(&problem)?;
            let step = ProblemStep {
                id: StepId::new(),
                problem_id,
                stage: problem.stage,
                text: text.trim().to_owned(),
                author: actor.user_id,
                recorded_at: now,
            };
            insert_step(tx, &step)?;
            reindex(tx, &problem)?;
            audit::append(
                tx,
                actor,
                now,
                AuditEvent::new(AuditAction::Collection, KIND, &problem_id.to_string())
                    .detail("steps"),
            )?;
            Ok(step)
        })
    }
}

/// Refuses Citizens in Policing volunteers, who take part in responses but do not run problems.
fn refuse_volunteer(actor: &Actor, reason: &'static str) -> Result<()> {
    if actor.role == Role::Volunteer {
        return Err(ValidationError::new("actor", Rule::RoleNotAllowed { reason }).into());
    }
    Ok(())
}

/// A closed problem takes no more changes.
fn require_open(problem: &Problem) -> Result<()> {
    if problem.stage == SaraStage::Closed {
        return Err(ValidationError::new(
            "problem_id",
            Rule::InvalidState {
                reason: "the problem is closed",
            },
        )
        .into());
    }
    Ok(())
}

/// A problem owned by someone else than the opener must be owned by a known, non-volunteer user.
fn check_owner(conn: &Connection, owner: UserId) -> Result<()> {
    let role: Option<Role> = conn
        .prepare_cached("SELECT role FROM users WHERE id = ?1")?
        .query_row([owner], |r| r.get(0))
        .optional()?;
    match role {
        None => Err(ValidationError::new("owner", Rule::UnknownReference { kind: "user" }).into()),
        Some(Role::Volunteer) => Err(ValidationError::new(
            "owner",
            Rule::RoleNotAllowed {
                reason: "volunteers do not own problems",
            },
        )
        .into()),
        Some(_) => Ok(()),
    }
}

fn exists(conn: &Connection, id: ProblemId) -> Result<()> {
    conn.prepare_cached("SELECT 1 FROM problems WHERE id = ?1")?
        .query_row([id], |r| r.get::<_, i64>(0))
        .or_not_found(KIND, id)
        .map(|_| ())
}

pub(crate) fn load(conn: &Connection, id: ProblemId) -> Result<Problem> {
    conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], from_row)
        .or_not_found(KIND, id)
}

fn query_problems(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<Problem>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Writes a problem whole: the one writer of `problems`, for a problem opened or changed here
/// and one pulled alike (its author and creation time never change). Its search row is the
/// caller's.
pub(crate) fn save(conn: &Connection, p: &Problem) -> Result<()> {
    conn.prepare_cached(concat!(
        "INSERT INTO problems (rowid, id, title, area_kind, area_id, category, owner, stage,
           triangle, repeat_types, responses, assessment, created_by, created_at, updated_at,
           stage_changed_at)
         VALUES (",
        next_record_row!(),
        ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, area_kind = excluded.area_kind,
           area_id = excluded.area_id, category = excluded.category, owner = excluded.owner,
           stage = excluded.stage, triangle = excluded.triangle,
           repeat_types = excluded.repeat_types, responses = excluded.responses,
           assessment = excluded.assessment, updated_at = excluded.updated_at,
           stage_changed_at = excluded.stage_changed_at"
    ))?
    .execute(params![
        p.id,
        p.title,
        p.area.kind(),
        p.area.id_string(),
        p.category,
        p.owner,
        p.stage,
        to_json(&p.triangle)?,
        to_json(&p.repeat_types)?,
        to_json(&p.responses)?,
        p.assessment.as_ref().map(to_json).transpose()?,
        p.created_by,
        t(p.created_at),
        t(p.updated_at),
        t(p.stage_changed_at),
    ])?;
    Ok(())
}

/// Writes a SARA step: the one writer of `problem_steps`, for a step recorded here and one
/// pulled alike. Steps are written once: a copy of one already here changes nothing.
pub(crate) fn insert_step(conn: &Connection, step: &ProblemStep) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO problem_steps (id, problem_id, stage, text, author, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        step.id,
        step.problem_id,
        step.stage,
        step.text,
        step.author,
        t(step.recorded_at),
    ])?;
    Ok(())
}

fn load_steps(conn: &Connection, id: ProblemId) -> Result<Vec<ProblemStep>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT_STEPS} WHERE problem_id = ?1 ORDER BY recorded_at, id"
    ))?;
    let rows = stmt.query_map([id], step_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One problem step by its id.
pub(crate) fn load_step(conn: &Connection, id: StepId) -> Result<ProblemStep> {
    conn.prepare_cached(&format!("{SELECT_STEPS} WHERE id = ?1"))?
        .query_row([id], step_from_row)
        .or_not_found("problem step", id)
}

fn step_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProblemStep> {
    Ok(ProblemStep {
        id: r.get(0)?,
        problem_id: r.get(1)?,
        stage: r.get(2)?,
        text: r.get(3)?,
        author: r.get(4)?,
        recorded_at: r.get::<_, SqlTime>(5)?.0,
    })
}

/// Replaces the problem's search row: its title, and the text of all its steps. The analysis
/// triangle is not indexed: it can name people.
pub(crate) fn reindex(conn: &Connection, problem: &Problem) -> Result<()> {
    let (title, body) = search_text(conn, problem)?;
    search::index(
        conn,
        SearchKind::Problem,
        &problem.id.to_string(),
        &title,
        &body,
    )
}

/// What search indexes and shows of a problem: its title, and its steps' text.
pub(crate) fn search_text(conn: &Connection, problem: &Problem) -> Result<(String, String)> {
    let body = load_steps(conn, problem.id)?
        .into_iter()
        .map(|s| s.text)
        .collect::<Vec<_>>()
        .join("\n");
    Ok((problem.title.clone(), body))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Problem> {
    let area_kind: String = r.get(2)?;
    let area_id: String = r.get(3)?;
    Ok(Problem {
        id: r.get(0)?,
        title: r.get(1)?,
        area: AreaRef::from_parts(&area_kind, &area_id).map_err(conversion)?,
        category: r.get(4)?,
        owner: r.get(5)?,
        stage: r.get(6)?,
        triangle: from_json(&r.get::<_, String>(7)?)?,
        repeat_types: from_json(&r.get::<_, String>(8)?)?,
        responses: from_json(&r.get::<_, String>(9)?)?,
        assessment: r
            .get::<_, Option<String>>(10)?
            .map(|a| from_json(&a))
            .transpose()?,
        created_by: r.get(11)?,
        created_at: r.get::<_, SqlTime>(12)?.0,
        updated_at: r.get::<_, SqlTime>(13)?.0,
        stage_changed_at: r.get::<_, SqlTime>(14)?.0,
    })
}
