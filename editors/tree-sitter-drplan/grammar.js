/**
 * @file Tree-sitter grammar for drplan disaster-recovery plans (`.drplan`).
 * @license MIT
 *
 * The surface syntax is `grammar/drplan.pest`; the vocabulary (which settings,
 * hook kinds, phases and enum values exist) is `src/check/schema.rs`. The word
 * lists below are checked against the schema by `tests/editors_ts.rs`: change
 * the schema and that test names what to add here.
 *
 * Keywords are not reserved in drplan. Tree-sitter's keyword extraction
 * (`word`) only turns an identifier into a keyword where the keyword may
 * appear, so `vm test, group` still lists two VMs.
 */

/// Keywords that shape a statement (schema::STRUCTURE_KEYWORDS).
const STRUCTURE_KEYWORDS = ['plan', 'group', 'needs', 'env', 'true', 'false', 'simulator'];

/// The hook kinds (schema::HOOK_KINDS).
const HOOK_KINDS = ['script', 'runbook', 'webhook', 'probe', 'manual', 'wait'];

/// The step settings a hook takes on its own statement (schema::STEP_SETTINGS).
const STEP_SETTINGS = ['timeout', 'retries', 'on_error', 'estimate'];

/// The phases of `before`/`after` (schema::PHASES).
const PHASES = ['failover', 'failback', 'test', 'commit', 'reprotect', 'test_cleanup'];

/// Enum values (schema::ON_ERROR, schema::RECOVERY_POINTS, schema::METHODS).
const ON_ERROR = ['abort', 'continue'];
const FAILBACK_ORDERS = ['reversed', 'shutdown_reversed'];
const RECOVERY_POINTS = ['latest', 'latest_processed', 'latest_app_consistent'];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/// A notify target's values (schema::NOTIFY_FORMATS, schema::NOTIFY_EVENTS).
const NOTIFY_FORMATS = ['teams', 'slack', 'json'];
const NOTIFY_EVENTS = [
  'run_started', 'step_failed', 'approval_waiting', 'rto_exceeded', 'run_finished',
];

/// Settings with a statement form of their own (besides the hook kinds).
const STATEMENT_SETTINGS = ['plan', 'vm', 'needs', 'before', 'after'];

/// Every other setting of every block: `key value, value { block }`.
const SETTINGS = [
  // plan
  'description', 'vault', 'primary', 'recovery', 'state', 'objectives', 'defaults', 'failover',
  'failback', 'test', 'coverage', 'on_failure', 'notify',
  // notify target
  'format', 'events',
  // objectives
  'rto', 'rpo', 'drill',
  // defaults (and step settings in hook blocks)
  'timeout', 'retries', 'on_error', 'parallelism', 'estimate',
  // failover
  'recovery_point', 'shutdown_source',
  // failback
  'order',
  // test
  'network',
  // coverage
  'tag', 'resource_group',
  // vm
  'item',
  // defaults, group and vm
  'target',
  // target
  'vm_name', 'size', 'subnet', 'ip', 'test_subnet', 'test_ip', 'public_ip',
  'load_balancer_pools', 'nsg', 'zone', 'availability_set', 'proximity_group',
  'capacity_reservation',
  // script
  'args', 'env',
  // runbook
  'account', 'params',
  // webhook
  'method', 'headers', 'body', 'expect',
  // probe
  'every', 'within',
];

const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)));

module.exports = grammar({
  name: 'drplan',

  extras: ($) => [/\s/, '\uFEFF', $.comment],

  word: ($) => $.identifier,

  rules: {
    source_file: ($) => repeat($._statement),

    _statement: ($) =>
      choice(
        $.plan,
        $.group,
        $.vm,
        $.needs,
        $.hooks,
        $.hook,
        $.map_entry,
        $.setting,
      ),

    block: ($) => seq('{', repeat($._statement), '}'),

    // plan NAME { … }
    plan: ($) => seq('plan', field('name', $._name), field('body', $.block)),

    // group NAME needs A, B { … }
    group: ($) =>
      seq(
        'group',
        field('name', $._name),
        optional(field('needs', $.needs_clause)),
        field('body', $.block),
      ),

    needs_clause: ($) => seq('needs', commaSep1($._name)),

    // vm a, b   or   vm a { item "…"  estimate 4m  needs b }
    vm: ($) =>
      prec.right(seq('vm', commaSep1(field('name', $._name)), optional(field('body', $.block)))),

    // needs a, b (inside a vm block)
    needs: ($) => seq('needs', commaSep1($._name)),

    // before failover, test { hooks }
    hooks: ($) =>
      seq(
        field('when', choice('before', 'after')),
        commaSep1(field('phase', $._phase)),
        field('body', $.block),
      ),

    _phase: ($) => choice($.phase, $.identifier),

    phase: (_) => choice(...PHASES),

    // script "hooks/a.sh" timeout 5m retries 2 { args ["x"] }
    hook: ($) =>
      prec.right(
        seq(
          field('kind', $.hook_kind),
          optional(field('value', $.arguments)),
          repeat($.step_setting),
          optional(field('body', $.block)),
        ),
      ),

    hook_kind: (_) => choice(...HOOK_KINDS),

    step_setting: ($) =>
      prec.right(seq(field('key', $.step_key), optional(field('value', $.arguments)))),

    step_key: (_) => choice(...STEP_SETTINGS),

    // KEY = value, inside env { }, params { }, headers { }
    map_entry: ($) => seq(field('key', $._name), '=', field('value', $._value)),

    // key value, value { block }
    setting: ($) =>
      prec.right(
        seq(
          field('key', $.setting_name),
          optional(field('value', $.arguments)),
          optional(field('body', $.block)),
        ),
      ),

    // A known setting, or any identifier (the checker reports unknown ones).
    setting_name: ($) => choice(...SETTINGS, $.identifier),

    arguments: ($) => prec.right(commaSep1($._value)),

    _value: ($) =>
      choice(
        $.identifier,
        $.string,
        $.duration,
        $.integer,
        $.boolean,
        $.constant,
        $.env_call,
        $.list,
      ),

    _name: ($) => choice($.identifier, $.string),

    // env("NAME")
    env_call: ($) => seq('env', '(', optional($.string), ')'),

    // ["a", "b",]
    list: ($) => seq('[', optional(seq(commaSep1($._value), optional(','))), ']'),

    boolean: (_) => choice('true', 'false'),

    constant: (_) =>
      choice('simulator', ...ON_ERROR, ...FAILBACK_ORDERS, ...RECOVERY_POINTS, ...METHODS, ...NOTIFY_FORMATS, ...NOTIFY_EVENTS),

    identifier: (_) => /[A-Za-z_][A-Za-z0-9_.\-]*/,

    string: ($) =>
      seq('"', repeat(choice($.string_content, $.escape_sequence)), token.immediate('"')),

    string_content: (_) => token.immediate(prec(1, /[^"\\\r\n]+/)),

    escape_sequence: (_) =>
      token.immediate(seq('\\', choice(/["\\nt]/, /u\{[0-9a-fA-F]{1,6}\}/))),

    // 1h30m, 250ms: largest unit first (the checker enforces the order).
    duration: (_) => /([0-9]+(ms|d|h|m|s))+/,

    integer: (_) => /[0-9]+/,

    comment: (_) => token(seq('#', /[^\r\n]*/)),
  },
});
