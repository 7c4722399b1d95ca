//! The demo force's SARA problems: one at Response, one at Scanning and one at Analysis (each
//! with a stage move waiting for the supervisor, so the approvals list has work), and one
//! closed with its assessment — each with the steps, approvals and stage history it would have.

use super::{lsoa, DemoPeople, Seed};
use crate::admin::AdminResult;
use beatbook_core::ids::{ActionId, ProblemId, StageRequestId, StepId};
use beatbook_core::model::*;
use beatbook_core::sync::RecordKind;
use chrono::Duration;

/// A problem's planned history: its stages, each entered `days_ago`, with the steps recorded.
struct ProblemPlan {
    title: &'static str,
    lsoa: &'static str,
    category: CrimeCategory,
    owner: usize,
    opened_days_ago: i64,
    /// `(stage, days ago the step was recorded, text)`.
    steps: &'static [(SaraStage, i64, &'static str)],
    /// Approved moves: `(to, days ago)`; the stage is the last one's.
    moves: &'static [(SaraStage, i64)],
    /// A move waiting for the supervisor: `(to, days ago asked, why ready)`.
    pending: Option<(SaraStage, i64, &'static str)>,
    /// The analysis triangle's offender, victim and location sides, once analysed.
    analysed: Option<[&'static str; 3]>,
    responses: bool,
    assessed: bool,
}

const PLANS: &[ProblemPlan] = &[
    ProblemPlan {
        title: "Shed burglaries, Elm Row",
        lsoa: "E01990001",
        category: CrimeCategory::Burglary,
        owner: 0,
        opened_days_ago: 19,
        steps: &[
            (
                SaraStage::Scanning,
                19,
                "Six sheds broken into since October, raised at the beat surgery",
            ),
            (
                SaraStage::Analysis,
                15,
                "Break-ins cluster on Friday nights; rear gates unlit; tools sold on",
            ),
        ],
        moves: &[(SaraStage::Analysis, 17), (SaraStage::Response, 12)],
        pending: None,
        analysed: Some([
            "Two or three local adults selling stolen tools on",
            "Shed and garage owners on Elm Row",
            "Unlit rear lane and broken gates",
        ]),
        responses: true,
        assessed: false,
    },
    ProblemPlan {
        title: "Youths gathering at Kestrel Parade shops",
        lsoa: "E01990002",
        category: CrimeCategory::AntiSocialBehaviour,
        owner: 1,
        opened_days_ago: 6,
        steps: &[
            (
                SaraStage::Scanning,
                6,
                "Shopkeepers report groups after school, bins set alight twice",
            ),
            (
                SaraStage::Scanning,
                3,
                "Four calls in a week; the same group each time",
            ),
        ],
        moves: &[],
        pending: Some((
            SaraStage::Analysis,
            1,
            "Scanned: calls and shopkeepers' accounts agree",
        )),
        analysed: None,
        responses: false,
        assessed: false,
    },
    ProblemPlan {
        title: "Speeding on Marlowe Road",
        lsoa: "E01990003",
        category: CrimeCategory::VehicleCrime,
        owner: 0,
        opened_days_ago: 14,
        steps: &[
            (
                SaraStage::Scanning,
                14,
                "Residents' speed watch: 30% over the limit at school times",
            ),
            (
                SaraStage::Analysis,
                4,
                "Worst 08:00-09:00; mostly through traffic avoiding the ring road",
            ),
        ],
        moves: &[(SaraStage::Analysis, 11)],
        pending: Some((
            SaraStage::Response,
            2,
            "Analysis done with the council's traffic counts",
        )),
        analysed: Some([
            "Through traffic avoiding the ring road",
            "Children walking to Marlowe Road school",
            "Straight, wide road with no crossing",
        ]),
        responses: false,
        assessed: false,
    },
    ProblemPlan {
        title: "Graffiti at the Northvale underpass",
        lsoa: "E01990002",
        category: CrimeCategory::CriminalDamageArson,
        owner: 1,
        opened_days_ago: 20,
        steps: &[
            (
                SaraStage::Scanning,
                20,
                "Repeated tagging reported by the parish council",
            ),
            (
                SaraStage::Analysis,
                18,
                "Same tags each time; underpass unlit and unwatched",
            ),
            (
                SaraStage::Response,
                14,
                "Council cleaned it and fitted lights; mural by the youth club",
            ),
            (SaraStage::Assessment, 5, "No new tags in two weeks"),
        ],
        moves: &[
            (SaraStage::Analysis, 19),
            (SaraStage::Response, 16),
            (SaraStage::Assessment, 7),
            (SaraStage::Closed, 3),
        ],
        pending: None,
        analysed: Some([
            "A few local teenagers, known to the youth club",
            "Parish council and underpass users",
            "Unlit, unwatched underpass",
        ]),
        responses: true,
        assessed: true,
    },
];

/// Four problems: at Response, at Scanning and at Analysis (each with a move waiting for the
/// supervisor), and one closed with its assessment.
pub(super) fn seed(seed: &mut Seed, people: DemoPeople) -> AdminResult<()> {
    for plan in PLANS {
        let owner = people.pcsos[plan.owner];
        let opened = seed.day_at(plan.opened_days_ago, 10);
        let id = ProblemId::new();
        let mut stage = SaraStage::Scanning;
        let mut stage_changed_at = opened;
        let mut steps: Vec<ProblemStep> = plan
            .steps
            .iter()
            .map(|(stage, days_ago, text)| ProblemStep {
                id: StepId::new(),
                problem_id: id,
                stage: *stage,
                text: (*text).to_owned(),
                author: owner,
                recorded_at: seed.day_at(*days_ago, 11),
            })
            .collect();
        let mut requests = Vec::new();
        for (to, days_ago) in plan.moves {
            let asked = seed.day_at(*days_ago, 12);
            let decided = seed.day_at(*days_ago, 16);
            let request = StageRequest {
                id: StageRequestId::new(),
                problem_id: id,
                from_stage: stage,
                to_stage: *to,
                requested_by: owner,
                requested_at: asked,
                reason: None,
                status: StageRequestStatus::Approved,
                decided_by: Some(people.supervisor),
                decided_at: Some(decided),
                decision_reason: None,
            };
            steps.push(ProblemStep {
                id: StepId(request.id.0),
                problem_id: id,
                stage,
                text: format!("Move from {stage} to {to} approved."),
                author: people.supervisor,
                recorded_at: decided,
            });
            requests.push(request);
            stage = *to;
            stage_changed_at = decided;
        }
        if let Some((to, days_ago, why)) = plan.pending {
            requests.push(StageRequest {
                id: StageRequestId::new(),
                problem_id: id,
                from_stage: stage,
                to_stage: to,
                requested_by: owner,
                requested_at: seed.day_at(days_ago, 12),
                reason: Some(why.to_owned()),
                status: StageRequestStatus::Pending,
                decided_by: None,
                decided_at: None,
                decision_reason: None,
            });
            seed.tally.pending_requests += 1;
        }
        let problem = Problem {
            id,
            title: plan.title.into(),
            area: AreaRef::Lsoa(lsoa(plan.lsoa)?),
            category: plan.category,
            owner,
            stage,
            triangle: if let Some([offender, victim, location]) = plan.analysed {
                AnalysisTriangle {
                    offender: Some(offender.into()),
                    victim: Some(victim.into()),
                    location: Some(location.into()),
                    handler: None,
                    guardian: Some("Neighbours, with better lighting".into()),
                    manager: Some("Northvale Council (fictional)".into()),
                }
            } else {
                AnalysisTriangle::default()
            },
            repeat_types: if plan.analysed.is_some() {
                vec![RepeatType::Den]
            } else {
                Vec::new()
            },
            responses: if plan.responses {
                vec![
                    ResponseAction {
                        id: ActionId::new(),
                        description: "Council to fix the lighting".into(),
                        owner: Some(owner),
                        partner: Some("Northvale Council (fictional)".into()),
                        due: Some(stage_changed_at + Duration::days(14)),
                        status: ActionStatus::Done,
                    },
                    ResponseAction {
                        id: ActionId::new(),
                        description: "Targeted patrols on Friday nights".into(),
                        owner: Some(owner),
                        partner: None,
                        due: None,
                        status: ActionStatus::InProgress,
                    },
                ]
            } else {
                Vec::new()
            },
            assessment: plan.assessed.then(|| Assessment {
                process: "Lighting fixed and patrols done as planned".into(),
                impact: "Reports fell from six a month to none".into(),
                measures: vec![Measure {
                    name: "reports per month".into(),
                    before: 6.0,
                    after: 0.0,
                }],
            }),
            created_by: owner,
            created_at: opened,
            updated_at: stage_changed_at,
            stage_changed_at,
        };
        seed.add(RecordKind::Problem, problem.id, owner, &problem)?;
        for step in &steps {
            seed.add(RecordKind::ProblemStep, step.id, step.author, step)?;
        }
        for request in &requests {
            seed.add(RecordKind::StageRequest, request.id, owner, request)?;
        }
        seed.tally.problems += 1;
    }
    Ok(())
}
