#include "core/plugins/plugin_host.h"

#include <modalis/plugin_abi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <iostream>
#include <system_error>

#include "core/plugins/param_schema.h"

namespace modalis {
namespace {

namespace fs = std::filesystem;

std::string_view View(modalis_str s) {
  return s.data == nullptr ? std::string_view{} : std::string_view{s.data, s.size};
}
std::string Str(modalis_str s) { return std::string(View(s)); }
modalis_str CStr(std::string_view s) { return modalis_str{s.data(), s.size()}; }

std::vector<std::string> Strings(const modalis_str* items, size_t count) {
  std::vector<std::string> out;
  for (size_t i = 0; i < count && items != nullptr; ++i) out.push_back(Str(items[i]));
  return out;
}

std::vector<std::string> SplitCodes(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view item = s.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

// --- host side of the findings view ----------------------------------------------------------

struct FindingsCtx {
  const Findings* findings;
  const ReadSlots* slots;
};

const FindingDef* DefFor(const FindingsCtx* c, uint32_t index, SlotId* slot) {
  if (index >= c->slots->size()) return nullptr;
  *slot = (*c->slots)[index];
  if (*slot == kNoSlot || !c->findings->known(*slot)) return nullptr;
  return &c->findings->vocabulary().at(*slot);
}

modalis_value_kind KindOf(const void* ctx, uint32_t index) {
  SlotId slot = kNoSlot;
  const FindingDef* def = DefFor(static_cast<const FindingsCtx*>(ctx), index, &slot);
  if (def == nullptr) return MODALIS_VALUE_UNKNOWN;
  switch (def->type) {
    case FindingType::kBoolean:
      return MODALIS_VALUE_BOOL;
    case FindingType::kInteger:
    case FindingType::kNumber:
      return MODALIS_VALUE_NUMBER;
    case FindingType::kEnum:
      return MODALIS_VALUE_CODE;
    case FindingType::kSet:
    case FindingType::kTextList:
      return MODALIS_VALUE_LIST;
  }
  return MODALIS_VALUE_UNKNOWN;
}

int GetBool(const void* ctx, uint32_t index, int* out) {
  const auto* c = static_cast<const FindingsCtx*>(ctx);
  SlotId slot = kNoSlot;
  const FindingDef* def = DefFor(c, index, &slot);
  if (def == nullptr || def->type != FindingType::kBoolean) return MODALIS_ERROR;
  *out = c->findings->value(slot).number != 0 ? 1 : 0;
  return MODALIS_OK;
}

int GetNumber(const void* ctx, uint32_t index, double* out) {
  const auto* c = static_cast<const FindingsCtx*>(ctx);
  SlotId slot = kNoSlot;
  const FindingDef* def = DefFor(c, index, &slot);
  if (def == nullptr || (def->type != FindingType::kInteger && def->type != FindingType::kNumber)) {
    return MODALIS_ERROR;
  }
  *out = c->findings->value(slot).number;
  return MODALIS_OK;
}

int GetCode(const void* ctx, uint32_t index, modalis_str* out) {
  const auto* c = static_cast<const FindingsCtx*>(ctx);
  SlotId slot = kNoSlot;
  const FindingDef* def = DefFor(c, index, &slot);
  if (def == nullptr || def->type != FindingType::kEnum) return MODALIS_ERROR;
  *out = CStr(def->values[static_cast<size_t>(c->findings->value(slot).number)]);
  return MODALIS_OK;
}

size_t ListSize(const void* ctx, uint32_t index) {
  const auto* c = static_cast<const FindingsCtx*>(ctx);
  SlotId slot = kNoSlot;
  const FindingDef* def = DefFor(c, index, &slot);
  if (def == nullptr) return 0;
  if (def->type == FindingType::kTextList) return c->findings->texts(slot).size();
  if (def->type != FindingType::kSet) return 0;
  return static_cast<size_t>(__builtin_popcountll(c->findings->value(slot).bits));
}

int ListItem(const void* ctx, uint32_t index, size_t item, modalis_str* out) {
  const auto* c = static_cast<const FindingsCtx*>(ctx);
  SlotId slot = kNoSlot;
  const FindingDef* def = DefFor(c, index, &slot);
  if (def == nullptr) return MODALIS_ERROR;
  if (def->type == FindingType::kTextList) {
    const auto& texts = c->findings->texts(slot);
    if (item >= texts.size()) return MODALIS_ERROR;
    *out = CStr(texts[item]);
    return MODALIS_OK;
  }
  if (def->type != FindingType::kSet) return MODALIS_ERROR;
  const uint64_t bits = c->findings->value(slot).bits;
  size_t seen = 0;
  for (size_t i = 0; i < def->values.size(); ++i) {
    if ((bits & (uint64_t{1} << i)) == 0) continue;
    if (seen++ == item) {
      *out = CStr(def->values[i]);
      return MODALIS_OK;
    }
  }
  return MODALIS_ERROR;
}

modalis_findings_v1 MakeFindingsView(const FindingsCtx* ctx) {
  return modalis_findings_v1{sizeof(modalis_findings_v1),
                             ctx,
                             &KindOf,
                             &GetBool,
                             &GetNumber,
                             &GetCode,
                             &ListSize,
                             &ListItem};
}

void SetError(void* ctx, modalis_str message) { *static_cast<std::string*>(ctx) = Str(message); }

void LogToStderr(std::string_view line) { std::cerr << line << "\n"; }

std::atomic<PluginErrorLogger> g_error_logger{&LogToStderr};

// A serving failure is both on the plan (as an exclusion) and in the log, so a broken plugin is
// noticed by whoever runs the server, not only by the therapist reading one plan.
absl::Status ServingError(std::string message) {
  g_error_logger.load()(message);
  return absl::InternalError(std::move(message));
}

// --- the loaded plugin -------------------------------------------------------------------------

class PluginModality final : public Modality {
 public:
  PluginModality(std::shared_ptr<boost::dll::shared_library> library, const modalis_plugin_v1* desc,
                 void* instance, ModalityInfo info, std::unique_ptr<ParamSchema> params)
      : library_(std::move(library)),
        desc_(desc),
        instance_(instance),
        info_(std::move(info)),
        params_(std::move(params)) {}

  ~PluginModality() override {
    // Runs before library_ is released, so the plugin's code is still mapped.
    desc_->destroy(instance_);
  }

  const ModalityInfo& info() const override { return info_; }

  ReadSlots Bind(const Vocabulary& vocabulary,
                 std::vector<std::string>* unresolved) const override {
    return BindCodes(info_.reads, vocabulary, unresolved);
  }

  std::string ValidateParams(std::string_view params_json) const override {
    // The plugin's own words first (it knows its domain); then the host enforces the declared
    // schema itself, since a plugin's own check may be lax or missing.
    std::string error;
    const int rc = desc_->validate_params(instance_, CStr(params_json),
                                          modalis_error_sink_v1{&error, &SetError});
    if (rc != MODALIS_OK) return error.empty() ? "the params were rejected" : error;
    return params_->Check(params_json);
  }

  absl::StatusOr<ScreenOutcome> Screen(const Findings& findings,
                                       const ReadSlots& slots) const override {
    FindingsCtx ctx{&findings, &slots};
    modalis_findings_v1 view = MakeFindingsView(&ctx);
    ScreenOutcome out;
    modalis_screen_sink_v1 sink{
        sizeof(modalis_screen_sink_v1), &out,
        [](void* c, modalis_str reason, modalis_str codes) {
          static_cast<ScreenOutcome*>(c)->contraindications.push_back(
              {Str(reason), SplitCodes(View(codes))});
        },
        [](void* c, modalis_str text, modalis_str codes) {
          static_cast<ScreenOutcome*>(c)->cautions.push_back({Str(text), SplitCodes(View(codes))});
        }};
    std::string error;
    if (desc_->screen(instance_, &view, &sink, modalis_error_sink_v1{&error, &SetError}) !=
        MODALIS_OK) {
      return ServingError("plugin " + info_.id + " failed its safety screen: " +
                          (error.empty() ? std::string("no reason given") : error));
    }
    return out;
  }

  absl::StatusOr<StepOutcome> BuildStep(const StepInput& input, const Findings& findings,
                                        const ReadSlots& slots) const override {
    FindingsCtx ctx{&findings, &slots};
    modalis_findings_v1 view = MakeFindingsView(&ctx);
    std::vector<modalis_str> targets;
    for (const std::string& t : input.targets) targets.push_back(CStr(t));
    modalis_step_request_v1 request{sizeof(modalis_step_request_v1), targets.data(), targets.size(),
                                    CStr(input.params_json), input.minutes};
    StepOutcome out;
    modalis_step_sink_v1 sink{
        sizeof(modalis_step_sink_v1),
        &out,
        [](void* c, modalis_str t) { static_cast<StepOutcome*>(c)->targets.push_back(Str(t)); },
        [](void* c, modalis_str t, modalis_str why) {
          static_cast<StepOutcome*>(c)->skipped.push_back({Str(t), Str(why)});
        },
        [](void* c, uint32_t m) { static_cast<StepOutcome*>(c)->minutes = m; },
        [](void* c, modalis_str p) { static_cast<StepOutcome*>(c)->pressure = Str(p); },
        [](void* c, modalis_str t) { static_cast<StepOutcome*>(c)->cautions.push_back(Str(t)); },
        [](void* c, modalis_str t) {
          static_cast<StepOutcome*>(c)->instructions.push_back(Str(t));
        },
        [](void* c, modalis_str k, modalis_str v) {
          static_cast<StepOutcome*>(c)->params[Str(k)] = Str(v);
        }};
    std::string error;
    if (desc_->build_step(instance_, &request, &view, &sink,
                          modalis_error_sink_v1{&error, &SetError}) != MODALIS_OK) {
      return ServingError("plugin " + info_.id + " failed to build its step: " +
                          (error.empty() ? std::string("no reason given") : error));
    }
    if (out.minutes == 0) out.minutes = input.minutes != 0 ? input.minutes : info_.default_minutes;
    return out;
  }

 private:
  std::shared_ptr<boost::dll::shared_library> library_;
  const modalis_plugin_v1* desc_;
  void* instance_;
  ModalityInfo info_;
  std::unique_ptr<ParamSchema> params_;
};

bool GroupOrWorldWritable(const struct stat& st) { return (st.st_mode & (S_IWGRP | S_IWOTH)) != 0; }

// Only root or the user modalis runs as may have put the code there: anyone else who owns the file
// could change it after this check.
bool TrustedOwner(const struct stat& st) { return st.st_uid == 0 || st.st_uid == ::geteuid(); }

// Checks made before any plugin code can run. Returns "" when the file may be opened.
//
// There is a window between these checks and dlopen in which the file could be replaced; closing
// it by opening with O_NOFOLLOW and loading through /proc/self/fd/N does not work with glibc, which
// matches already-loaded libraries by path name, so a reused descriptor number would hand back an
// earlier plugin. The directory checks (not group- or world-writable, trusted owner) are what keep
// others from swapping files in.
std::string PreLoadCheck(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return "cannot stat the file";
  if (S_ISLNK(st.st_mode)) return "is a symbolic link; plugins must be regular files";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (GroupOrWorldWritable(st)) return "is group- or world-writable; fix with chmod go-w";
  if (!TrustedOwner(st)) {
    return "is owned by uid " + std::to_string(st.st_uid) +
           ", neither root nor the user modalis runs as";
  }
  try {
    // library_info parses the ELF file only; it runs nothing.
    boost::dll::library_info info(path, /*throw_if_not_native=*/true);
    auto symbols = info.symbols("boostdll");
    if (std::find(symbols.begin(), symbols.end(), MODALIS_PLUGIN_ENTRY_NAME) == symbols.end()) {
      return std::string("has no ") + MODALIS_PLUGIN_ENTRY_NAME +
             " entry point (not built with MODALIS_PLUGIN?)";
    }
  } catch (const std::exception&) {
    return "is not a shared library";
  }
  return {};
}

std::string AbiString(unsigned major, unsigned minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// Modality ids appear in rule files, JSON and the API: lowercase letters, digits and '_'.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64 || !(id.front() >= 'a' && id.front() <= 'z')) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// `loaded` holds the modalities already accepted in this scan: a duplicate id is refused before
// its init runs, so a second copy never gets to do any work.
absl::StatusOr<std::shared_ptr<const Modality>> LoadOne(
    const fs::path& path, const std::vector<std::shared_ptr<const Modality>>& loaded) {
  if (std::string problem = PreLoadCheck(path); !problem.empty()) {
    return absl::FailedPreconditionError(problem);
  }
  std::error_code ec;
  auto library = std::make_shared<boost::dll::shared_library>(
      path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) return absl::FailedPreconditionError("could not be loaded: " + ec.message());
  if (!library->has(MODALIS_PLUGIN_ENTRY_NAME)) {
    return absl::FailedPreconditionError(std::string("has no ") + MODALIS_PLUGIN_ENTRY_NAME);
  }
  const modalis_plugin_v1* desc = nullptr;
  try {
    auto& entry = library->get_alias<const modalis_plugin_v1*()>(MODALIS_PLUGIN_ENTRY_NAME);
    desc = entry();
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(std::string("entry point failed: ") + e.what());
  }
  if (desc == nullptr) return absl::FailedPreconditionError("entry point returned no descriptor");
  // Major first: a plugin of another major may not even share the layout of the fields after it.
  if (desc->abi_major != MODALIS_PLUGIN_ABI_MAJOR) {
    return absl::FailedPreconditionError(
        "was built for plugin ABI " + AbiString(desc->abi_major, desc->abi_minor) +
        "; this host speaks ABI " + AbiString(MODALIS_PLUGIN_ABI_MAJOR, MODALIS_PLUGIN_ABI_MINOR) +
        " (rebuild it against an SDK " + std::to_string(MODALIS_PLUGIN_ABI_MAJOR) + ".x)");
  }
  if (desc->abi_minor > MODALIS_PLUGIN_ABI_MINOR) {
    return absl::FailedPreconditionError(
        "needs plugin ABI " + AbiString(desc->abi_major, desc->abi_minor) +
        ", newer than this host's " +
        AbiString(MODALIS_PLUGIN_ABI_MAJOR, MODALIS_PLUGIN_ABI_MINOR) + " (upgrade Modalis)");
  }
  // A 1.0 descriptor ends before the fields 1.1 appended; struct_size says which the plugin has.
  const size_t needed = desc->abi_minor >= 1 ? sizeof(modalis_plugin_v1) : MODALIS_PLUGIN_V1_0_SIZE;
  if (desc->struct_size < needed) {
    return absl::FailedPreconditionError("descriptor struct_size is " +
                                         std::to_string(desc->struct_size) + " bytes; ABI " +
                                         AbiString(MODALIS_PLUGIN_ABI_MAJOR, desc->abi_minor) +
                                         " needs at least " + std::to_string(needed));
  }
  if (desc->init == nullptr || desc->destroy == nullptr || desc->screen == nullptr ||
      desc->build_step == nullptr || desc->validate_params == nullptr) {
    return absl::FailedPreconditionError(
        "descriptor is incomplete: init, destroy, validate_params, screen and build_step are all "
        "required");
  }
  if (!ValidId(View(desc->id))) {
    return absl::FailedPreconditionError("modality id '" + Str(desc->id) +
                                         "' is not valid (lowercase letters, digits and _, "
                                         "starting with a letter)");
  }
  if ((desc->reads == nullptr && desc->reads_count != 0) ||
      (desc->required_known == nullptr && desc->required_known_count != 0) ||
      (desc->targets_allowed == nullptr && desc->targets_allowed_count != 0)) {
    return absl::FailedPreconditionError("descriptor declares a list with a count but no items");
  }
  for (const auto& other : loaded) {
    if (other->info().id == View(desc->id)) {
      return absl::FailedPreconditionError("duplicate modality id '" + Str(desc->id) +
                                           "' (already loaded from " + other->info().path + ")");
    }
  }

  ModalityInfo info;
  info.id = Str(desc->id);
  info.display_name = Str(desc->display_name);
  info.version = Str(desc->version);
  info.phase = desc->phase;
  info.default_minutes = desc->default_minutes;
  info.qualification = Str(desc->qualification);
  info.needs_written_consent = desc->needs_written_consent != 0;
  info.reads = Strings(desc->reads, desc->reads_count);
  info.required_known = Strings(desc->required_known, desc->required_known_count);
  info.targets_allowed = Strings(desc->targets_allowed, desc->targets_allowed_count);
  info.param_schema_json = Str(desc->param_schema_json);
  info.abi_minor = desc->abi_minor;
  if (desc->abi_minor >= 1) info.safety_json = Str(desc->safety_json);
  info.path = path.string();
  for (const std::string& code : info.required_known) {
    if (std::find(info.reads.begin(), info.reads.end(), code) == info.reads.end()) {
      return absl::FailedPreconditionError("required-known finding '" + code +
                                           "' is not among the findings it reads");
    }
  }

  auto params = ParamSchema::Compile(info.param_schema_json);
  if (!params.ok()) return absl::FailedPreconditionError(params.status().message());

  void* instance = nullptr;
  std::string error;
  if (desc->init(&instance, modalis_error_sink_v1{&error, &SetError}) != MODALIS_OK) {
    return absl::FailedPreconditionError("init failed: " +
                                         (error.empty() ? std::string("no reason given") : error));
  }
  return std::shared_ptr<const Modality>(std::make_shared<PluginModality>(
      std::move(library), desc, instance, std::move(info), *std::move(params)));
}

}  // namespace

absl::Status CheckStillInstalled(const Modality& modality) {
  const std::string& path = modality.info().path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError("was loaded from '" + path + "', which is gone");
  }
  if (std::string problem = PreLoadCheck(path); !problem.empty()) {
    return absl::FailedPreconditionError("was loaded from '" + path + "', which now " + problem);
  }
  return absl::OkStatus();
}

void SetPluginErrorLogger(PluginErrorLogger logger) {
  g_error_logger.store(logger != nullptr ? logger : &LogToStderr);
}

absl::StatusOr<std::shared_ptr<const PluginRegistry>> LoadPlugins(const std::string& directory) {
  const fs::path dir(directory);
  if (!dir.is_absolute()) {
    return absl::InvalidArgumentError("plugin directory '" + directory +
                                      "' is not an absolute path");
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError("plugin directory '" + directory + "' does not exist");
  }
  if (GroupOrWorldWritable(st)) {
    return absl::PermissionDeniedError("plugin directory '" + directory +
                                       "' is group- or world-writable; fix with chmod go-w");
  }
  if (!TrustedOwner(st)) {
    return absl::PermissionDeniedError("plugin directory '" + directory + "' is owned by uid " +
                                       std::to_string(st.st_uid) +
                                       ", neither root nor the user modalis runs as");
  }
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path());
  }
  if (ec) return absl::UnavailableError("cannot list '" + directory + "': " + ec.message());
  std::sort(files.begin(), files.end());

  std::vector<std::shared_ptr<const Modality>> loaded;
  std::vector<PluginRefusal> refused;
  for (const fs::path& file : files) {
    auto modality = LoadOne(file, loaded);
    if (!modality.ok()) {
      refused.push_back({file.string(), std::string(modality.status().message())});
      continue;
    }
    loaded.push_back(*std::move(modality));
  }
  return std::make_shared<const PluginRegistry>(std::move(loaded), std::move(refused));
}

}  // namespace modalis
