/*
 * Modalis modality plugin ABI, version 1.
 *
 * This is the only contract between modalisd and a modality plugin. It is plain C so that a plugin
 * built with another compiler or standard library still loads: no exceptions, no C++ types, no JSON
 * objects and no protobuf messages cross it. Strings are pointer + length and are never assumed to
 * be NUL-terminated.
 *
 * Ownership: everything a plugin returns (descriptor, strings in it) is owned by the plugin and
 * must stay valid while the library is loaded. Everything the host passes in (findings, sinks) is
 * owned by the host and valid only for the duration of the call. Results travel back through
 * host-provided sink callbacks, so no memory is allocated on one side and freed on the other.
 *
 * Threading: `screen` and `build_step` may be called concurrently from several threads on the same
 * instance; a plugin keeps no mutable state in them.
 *
 * Versioning: a host accepts a plugin whose abi_major equals its own and whose abi_minor is not
 * newer than its own. New fields are only ever appended to structs, and struct_size tells the
 * reader how much of a struct the other side knows about.
 */
#ifndef MODALIS_PLUGIN_ABI_H_
#define MODALIS_PLUGIN_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MODALIS_PLUGIN_ABI_MAJOR 1
#define MODALIS_PLUGIN_ABI_MINOR 1

/* Name of the single exported entry point (a BOOST_DLL_ALIAS). */
#define MODALIS_PLUGIN_ENTRY_NAME "modalis_plugin_entry_v1"

typedef struct modalis_str {
  const char* data;
  size_t size;
} modalis_str;

typedef enum modalis_result {
  MODALIS_OK = 0,
  MODALIS_ERROR = 1,
} modalis_result;

/* Kinds of a finding value as a plugin sees it. */
typedef enum modalis_value_kind {
  MODALIS_VALUE_UNKNOWN = 0, /* not recorded: never treat as "no" */
  MODALIS_VALUE_BOOL = 1,
  MODALIS_VALUE_NUMBER = 2,
  MODALIS_VALUE_CODE = 3, /* one enum value, e.g. "uncontrolled" */
  MODALIS_VALUE_LIST = 4, /* a set of codes or a list of texts */
} modalis_value_kind;

/*
 * Read access to the request's findings. `index` is the position of the finding in the plugin's
 * declared `reads` list; the host resolved those codes to its own slots once, at load time.
 */
typedef struct modalis_findings_v1 {
  uint32_t struct_size;
  const void* ctx;
  modalis_value_kind (*kind)(const void* ctx, uint32_t index);
  int (*get_bool)(const void* ctx, uint32_t index, int* out);
  int (*get_number)(const void* ctx, uint32_t index, double* out);
  int (*get_code)(const void* ctx, uint32_t index, modalis_str* out);
  size_t (*list_size)(const void* ctx, uint32_t index);
  int (*list_item)(const void* ctx, uint32_t index, size_t item, modalis_str* out);
} modalis_findings_v1;

/* Where `screen` reports what it found. */
typedef struct modalis_screen_sink_v1 {
  uint32_t struct_size;
  void* ctx;
  /* An absolute contraindication: the modality is excluded whatever the rules say. `findings` is a
   * comma-separated list of the finding codes behind it. */
  void (*contraindication)(void* ctx, modalis_str reason, modalis_str findings);
  /* A caution: the step is kept and carries this text. */
  void (*caution)(void* ctx, modalis_str text, modalis_str findings);
} modalis_screen_sink_v1;

/* What the rules asked for; input to `build_step`. */
typedef struct modalis_step_request_v1 {
  uint32_t struct_size;
  const modalis_str* targets; /* requested targets, already de-duplicated, in request order */
  size_t targets_count;
  modalis_str params_json; /* the rule's params object, validated by validate_params */
  uint32_t minutes;        /* clinic's minutes for this modality (0 = plugin default) */
} modalis_step_request_v1;

/* Where `build_step` writes the concrete step. */
typedef struct modalis_step_sink_v1 {
  uint32_t struct_size;
  void* ctx;
  void (*add_target)(void* ctx, modalis_str target);
  /* A requested target the plugin will not treat, and why (e.g. upper_back for needling). */
  void (*skip_target)(void* ctx, modalis_str target, modalis_str reason);
  void (*set_minutes)(void* ctx, uint32_t minutes);
  void (*set_pressure)(void* ctx, modalis_str pressure);
  void (*add_caution)(void* ctx, modalis_str text);
  void (*add_instruction)(void* ctx, modalis_str text);
  void (*set_param)(void* ctx, modalis_str key, modalis_str value);
} modalis_step_sink_v1;

/* Error text written by a failing call; the host copies it before the next call. */
typedef struct modalis_error_sink_v1 {
  void* ctx;
  void (*set)(void* ctx, modalis_str message);
} modalis_error_sink_v1;

typedef struct modalis_plugin_v1 {
  uint32_t struct_size; /* sizeof(modalis_plugin_v1) as the plugin was compiled */
  uint16_t abi_major;
  uint16_t abi_minor;

  modalis_str id; /* stable modality id, e.g. "dry_needling" */
  modalis_str display_name;
  modalis_str version;
  int32_t phase; /* session order: lower first (needling 10, hands-on 20, stretching 30, ear 40) */
  uint32_t default_minutes;
  modalis_str qualification; /* empty: no special qualification */
  int needs_written_consent;

  const modalis_str* reads; /* finding codes this plugin reads, in index order */
  size_t reads_count;
  const modalis_str* required_known; /* unknown -> the modality is not suggested */
  size_t required_known_count;
  const modalis_str* targets_allowed; /* targets it may treat */
  size_t targets_allowed_count;
  modalis_str param_schema_json; /* JSON Schema of the rule's params, for editors and docs */

  /* Create and destroy an instance. `init` returns MODALIS_OK or writes to `err`. */
  int (*init)(void** instance, modalis_error_sink_v1 err);
  void (*destroy)(void* instance);

  /* Called when a rule set compiles; a rejection becomes a rule-file error at the params' location.
   */
  int (*validate_params)(void* instance, modalis_str params_json, modalis_error_sink_v1 err);
  /* The modality's own safety floor. */
  int (*screen)(void* instance, const modalis_findings_v1* findings,
                const modalis_screen_sink_v1* sink, modalis_error_sink_v1 err);
  /* The concrete step for a suggestion that passed the screen. */
  int (*build_step)(void* instance, const modalis_step_request_v1* request,
                    const modalis_findings_v1* findings, const modalis_step_sink_v1* sink,
                    modalis_error_sink_v1 err);

  /* ---- ABI 1.1 ---- */
  /* The modality's safety floor and cautions as data: a JSON object
   *   {"floors":   [{"id", "when", "reason", "regions_from"?}],
   *    "cautions": [{"id", "when", "text"}]}
   * whose "when" conditions use the rule files' condition language. The host compiles them with
   * the rule set and evaluates them with the rules, in three-valued logic: a floor that is true
   * excludes the modality (or, with "regions_from", only the targets in the regions that finding
   * names); a floor that is undecided puts its unknown findings on the plan as questions to ask
   * before treating. A plugin that declares them normally leaves `screen` empty; a plugin built
   * for ABI 1.0 has no such field, and its `screen` stays its floor. Empty: none declared. */
  modalis_str safety_json;
} modalis_plugin_v1;

/* The size of an ABI 1.0 descriptor: every field before `safety_json`. */
#define MODALIS_PLUGIN_V1_0_SIZE offsetof(modalis_plugin_v1, safety_json)

/* The entry point every plugin exports under MODALIS_PLUGIN_ENTRY_NAME. */
typedef const modalis_plugin_v1* (*modalis_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MODALIS_PLUGIN_ABI_H_ */
