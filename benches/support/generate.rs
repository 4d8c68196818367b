//! Deterministic plan generator for the benchmarks: one model of a plan with
//! N VMs, written both as canonical `.drplan` text and as JSON, so the two
//! front ends read exactly the same plan.
//!
//! Shape: about 10 VMs per group (N/10 groups named `g00001`…), VMs named
//! `vm0000001`…, DAG-shaped `needs` (1 to 3 distinct groups among the previous
//! 50, none for the first 3 groups), and every 10th group with an
//! `after failover { wait 30s }` hook block and one `vm x { estimate 4m }` VM.
//! No `objectives` block, so `check` does not schedule the plan a second time.

// Shared by two benches; each uses only part of it.
#![allow(dead_code)]

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// VMs per group.
pub(crate) const VMS_PER_GROUP: usize = 10;
/// How far back a group's `needs` may reach.
const NEEDS_WINDOW: usize = 50;
/// Groups at the start that need nothing.
const ROOTS: usize = 3;

/// The whole plan, as JSON reads it: owned strings only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JsonPlan {
    pub(crate) name: String,
    pub(crate) vault: String,
    pub(crate) primary: String,
    pub(crate) recovery: String,
    pub(crate) defaults: JsonDefaults,
    pub(crate) groups: Vec<JsonGroup>,
}

/// `defaults { … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JsonDefaults {
    pub(crate) timeout: String,
    pub(crate) retries: u32,
    pub(crate) on_error: String,
    pub(crate) parallelism: u32,
}

/// `group NAME needs A, B { … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JsonGroup {
    pub(crate) name: String,
    pub(crate) needs: Vec<String>,
    /// VMs listed on `vm a, b, c` lines.
    pub(crate) vms: Vec<String>,
    /// VMs written as `vm x { estimate 4m }` blocks.
    pub(crate) vm_blocks: Vec<JsonVmBlock>,
    pub(crate) hooks: Vec<JsonHookBlock>,
}

/// `vm x { estimate 4m }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JsonVmBlock {
    pub(crate) name: String,
    pub(crate) estimate: String,
}

/// `after failover { … }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JsonHookBlock {
    pub(crate) when: String,
    pub(crate) phases: Vec<String>,
    pub(crate) steps: Vec<JsonHook>,
}

/// `wait 30s`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct JsonHook {
    pub(crate) kind: String,
    pub(crate) value: String,
}

/// One generated plan in both notations.
pub(crate) struct Generated {
    pub(crate) model: JsonPlan,
    pub(crate) drplan: String,
    pub(crate) json: String,
}

/// xorshift64*: tiny, deterministic, good enough to pick `needs`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // Never zero, or xorshift stays at zero.
        Self((seed ^ 0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform enough in `0..bound` (`bound` > 0).
    fn below(&mut self, bound: usize) -> usize {
        let bound = u64::try_from(bound).unwrap_or(u64::MAX);
        usize::try_from((self.next() >> 32) % bound).unwrap_or(0)
    }
}

/// Generates the plan with `vms` VMs (rounded up to whole groups of 10).
pub(crate) fn generate(vms: usize) -> Generated {
    let model = model(vms);
    let drplan = to_drplan(&model);
    let json = serde_json::to_string(&model).expect("the model serialises");
    Generated {
        model,
        drplan,
        json,
    }
}

fn model(vms: usize) -> JsonPlan {
    let mut rng = Rng::new(u64::try_from(vms).unwrap_or(0));
    let group_count = vms.div_ceil(VMS_PER_GROUP).max(1);
    let mut next_vm = 1usize;
    let mut groups = Vec::with_capacity(group_count);
    for i in 0..group_count {
        // `needs`: 1 to 3 distinct earlier groups from the last NEEDS_WINDOW.
        let mut needs: Vec<usize> = Vec::new();
        if i >= ROOTS {
            let lo = i.saturating_sub(NEEDS_WINDOW);
            let want = 1 + rng.below(3);
            while needs.len() < want {
                let pick = lo + rng.below(i - lo);
                if !needs.contains(&pick) {
                    needs.push(pick);
                }
            }
            needs.sort_unstable();
        }
        let special = (i + 1) % 10 == 0;
        let listed = if special {
            VMS_PER_GROUP - 1
        } else {
            VMS_PER_GROUP
        };
        let mut vm_names = Vec::with_capacity(listed);
        for _ in 0..listed {
            vm_names.push(vm_name(next_vm));
            next_vm += 1;
        }
        let mut vm_blocks = Vec::new();
        let mut hooks = Vec::new();
        if special {
            vm_blocks.push(JsonVmBlock {
                name: vm_name(next_vm),
                estimate: "4m".to_owned(),
            });
            next_vm += 1;
            hooks.push(JsonHookBlock {
                when: "after".to_owned(),
                phases: vec!["failover".to_owned()],
                steps: vec![JsonHook {
                    kind: "wait".to_owned(),
                    value: "30s".to_owned(),
                }],
            });
        }
        groups.push(JsonGroup {
            name: group_name(i),
            needs: needs.into_iter().map(group_name).collect(),
            vms: vm_names,
            vm_blocks,
            hooks,
        });
    }
    JsonPlan {
        name: "bench".to_owned(),
        vault: "simulator".to_owned(),
        primary: "westeurope".to_owned(),
        recovery: "northeurope".to_owned(),
        defaults: JsonDefaults {
            timeout: "30m".to_owned(),
            retries: 1,
            on_error: "abort".to_owned(),
            parallelism: 10,
        },
        groups,
    }
}

fn group_name(index: usize) -> String {
    format!("g{:05}", index + 1)
}

fn vm_name(number: usize) -> String {
    format!("vm{number:07}")
}

/// The model in the canonical `.drplan` layout (what `drplan fmt` prints).
fn to_drplan(plan: &JsonPlan) -> String {
    let vm_count: usize = plan
        .groups
        .iter()
        .map(|g| g.vms.len() + g.vm_blocks.len())
        .sum();
    let mut out = String::with_capacity(256 + vm_count * 12 + plan.groups.len() * 64);
    let d = &plan.defaults;
    writeln!(out, "plan {} {{", plan.name).unwrap();
    writeln!(out, "  vault {}", plan.vault).unwrap();
    writeln!(out, "  primary \"{}\"", plan.primary).unwrap();
    writeln!(out, "  recovery \"{}\"", plan.recovery).unwrap();
    out.push('\n');
    writeln!(
        out,
        "  defaults {{ timeout {}  retries {}  on_error {}  parallelism {} }}",
        d.timeout, d.retries, d.on_error, d.parallelism
    )
    .unwrap();
    for group in &plan.groups {
        out.push('\n');
        write!(out, "  group {}", group.name).unwrap();
        if !group.needs.is_empty() {
            write!(out, " needs {}", group.needs.join(", ")).unwrap();
        }
        out.push_str(" {\n");
        if !group.vms.is_empty() {
            writeln!(out, "    vm {}", group.vms.join(", ")).unwrap();
        }
        for vm in &group.vm_blocks {
            writeln!(out, "    vm {} {{ estimate {} }}", vm.name, vm.estimate).unwrap();
        }
        for block in &group.hooks {
            writeln!(out, "    {} {} {{", block.when, block.phases.join(", ")).unwrap();
            for step in &block.steps {
                writeln!(out, "      {} {}", step.kind, step.value).unwrap();
            }
            out.push_str("    }\n");
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}
