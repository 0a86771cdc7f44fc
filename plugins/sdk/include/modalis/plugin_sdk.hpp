// Header-only C++17 wrapper over the Modalis plugin C ABI (plugin_abi.h).
//
// A plugin author writes one class derived from modalis::sdk::Modality with a static Manifest()
// and one line, MODALIS_PLUGIN(ClassName). The wrapper turns C++ exceptions into error results at
// the boundary, so nothing thrown inside a plugin ever reaches the host.
//
// Thread-safety: the host may call screen() and build_step() concurrently on one instance; keep
// them free of mutable state.
#ifndef MODALIS_PLUGIN_SDK_HPP_
#define MODALIS_PLUGIN_SDK_HPP_

#include <modalis/plugin_abi.h>

#include <boost/dll/alias.hpp>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace modalis::sdk {

inline modalis_str to_c(std::string_view s) { return modalis_str{s.data(), s.size()}; }
inline std::string_view from_c(modalis_str s) {
  return s.data == nullptr ? std::string_view{} : std::string_view{s.data, s.size};
}

// Everything the host needs to know about a modality before it creates an instance.
struct Manifest {
  std::string id;
  std::string display_name;
  std::string version;
  int32_t phase = 0;
  uint32_t default_minutes = 0;
  std::string qualification;
  bool needs_written_consent = false;
  std::vector<std::string> reads;           // finding codes read through Findings
  std::vector<std::string> required_known;  // subset of reads; unknown -> not suggested
  std::vector<std::string> targets_allowed;
  std::string param_schema_json = "{\"type\":\"object\"}";
  // Floors and cautions as conditions (see `safety_json` in plugin_abi.h). Declared this way the
  // host evaluates them with the rules, so an unrecorded finding is asked about instead of being
  // read as "no"; prefer it to deciding them in screen().
  std::string safety_json;
};

// Read-only view of the request's findings, by finding code. Only codes listed in the manifest's
// `reads` may be asked for; asking for another is a programming error reported as a plugin error.
class Findings {
 public:
  Findings(const modalis_findings_v1* raw, const std::vector<std::string>* reads)
      : raw_(raw), reads_(reads) {}

  bool known(std::string_view code) const { return kind(code) != MODALIS_VALUE_UNKNOWN; }

  std::optional<bool> boolean(std::string_view code) const {
    int v = 0;
    if (raw_->get_bool(raw_->ctx, index(code), &v) != MODALIS_OK) return std::nullopt;
    return v != 0;
  }
  std::optional<double> number(std::string_view code) const {
    double v = 0;
    if (raw_->get_number(raw_->ctx, index(code), &v) != MODALIS_OK) return std::nullopt;
    return v;
  }
  std::optional<std::string_view> code(std::string_view finding) const {
    modalis_str v{};
    if (raw_->get_code(raw_->ctx, index(finding), &v) != MODALIS_OK) return std::nullopt;
    return from_c(v);
  }
  std::vector<std::string_view> list(std::string_view finding) const {
    const uint32_t i = index(finding);
    std::vector<std::string_view> out;
    const size_t n = raw_->list_size(raw_->ctx, i);
    out.reserve(n);
    for (size_t k = 0; k < n; ++k) {
      modalis_str item{};
      if (raw_->list_item(raw_->ctx, i, k, &item) == MODALIS_OK) out.push_back(from_c(item));
    }
    return out;
  }
  bool list_contains(std::string_view finding, std::string_view value) const {
    for (std::string_view item : list(finding)) {
      if (item == value) return true;
    }
    return false;
  }
  // True only when the finding is known and equals `value`; unknown is never "equal".
  bool is(std::string_view finding, bool value) const { return boolean(finding) == value; }
  bool code_is(std::string_view finding, std::string_view value) const {
    auto c = code(finding);
    return c.has_value() && *c == value;
  }

 private:
  modalis_value_kind kind(std::string_view code) const {
    return raw_->kind(raw_->ctx, index(code));
  }
  uint32_t index(std::string_view code) const {
    for (size_t i = 0; i < reads_->size(); ++i) {
      if ((*reads_)[i] == code) return static_cast<uint32_t>(i);
    }
    throw std::logic_error("finding '" + std::string(code) + "' is not in the manifest's reads");
  }

  const modalis_findings_v1* raw_;
  const std::vector<std::string>* reads_;
};

class ScreenResult {
 public:
  explicit ScreenResult(const modalis_screen_sink_v1* sink) : sink_(sink) {}
  // Absolute: the modality is excluded whatever the rule set says.
  void contraindication(std::string_view reason, std::string_view findings) const {
    sink_->contraindication(sink_->ctx, to_c(reason), to_c(findings));
  }
  // Relative: the step is kept and carries the caution.
  void caution(std::string_view text, std::string_view findings) const {
    sink_->caution(sink_->ctx, to_c(text), to_c(findings));
  }

 private:
  const modalis_screen_sink_v1* sink_;
};

struct StepRequest {
  std::vector<std::string_view> targets;
  std::string_view params_json;
  uint32_t minutes = 0;  // 0: use the manifest's default
};

class StepBuilder {
 public:
  explicit StepBuilder(const modalis_step_sink_v1* sink) : sink_(sink) {}
  void add_target(std::string_view t) const { sink_->add_target(sink_->ctx, to_c(t)); }
  void skip_target(std::string_view t, std::string_view why) const {
    sink_->skip_target(sink_->ctx, to_c(t), to_c(why));
  }
  void minutes(uint32_t m) const { sink_->set_minutes(sink_->ctx, m); }
  void pressure(std::string_view p) const { sink_->set_pressure(sink_->ctx, to_c(p)); }
  void caution(std::string_view text) const { sink_->add_caution(sink_->ctx, to_c(text)); }
  void instruction(std::string_view text) const { sink_->add_instruction(sink_->ctx, to_c(text)); }
  void param(std::string_view k, std::string_view v) const {
    sink_->set_param(sink_->ctx, to_c(k), to_c(v));
  }

 private:
  const modalis_step_sink_v1* sink_;
};

class Modality {
 public:
  virtual ~Modality() = default;
  // Empty string: the params are acceptable. Otherwise a sentence saying what is wrong.
  virtual std::string validate_params(std::string_view /*params_json*/) const { return {}; }
  // Safety decided in code, for what the manifest's safety_json cannot say. Empty by default.
  virtual void screen(const Findings& /*findings*/, const ScreenResult& /*out*/) const {}
  virtual void build_step(const StepRequest& request, const Findings& findings,
                          const StepBuilder& out) const = 0;
};

namespace detail {

inline void report(modalis_error_sink_v1 err, std::string_view message) {
  if (err.set != nullptr) err.set(err.ctx, to_c(message));
}

// Runs `body`, converting any exception into MODALIS_ERROR with its message.
template <class F>
int guarded(modalis_error_sink_v1 err, F&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    report(err, e.what());
  } catch (...) {
    report(err, "unknown exception");
  }
  return MODALIS_ERROR;
}

template <class T>
class Export {
 public:
  static const modalis_plugin_v1* descriptor() noexcept {
    try {
      return &self().desc_;
    } catch (...) {
      return nullptr;
    }
  }

 private:
  Export() : manifest_(T::Manifest()) {
    reads_ = views(manifest_.reads);
    required_ = views(manifest_.required_known);
    targets_ = views(manifest_.targets_allowed);
    desc_.struct_size = sizeof(modalis_plugin_v1);
    desc_.abi_major = MODALIS_PLUGIN_ABI_MAJOR;
    desc_.abi_minor = MODALIS_PLUGIN_ABI_MINOR;
    desc_.id = to_c(manifest_.id);
    desc_.display_name = to_c(manifest_.display_name);
    desc_.version = to_c(manifest_.version);
    desc_.phase = manifest_.phase;
    desc_.default_minutes = manifest_.default_minutes;
    desc_.qualification = to_c(manifest_.qualification);
    desc_.needs_written_consent = manifest_.needs_written_consent ? 1 : 0;
    desc_.reads = reads_.data();
    desc_.reads_count = reads_.size();
    desc_.required_known = required_.data();
    desc_.required_known_count = required_.size();
    desc_.targets_allowed = targets_.data();
    desc_.targets_allowed_count = targets_.size();
    desc_.param_schema_json = to_c(manifest_.param_schema_json);
    desc_.init = &init;
    desc_.destroy = &destroy;
    desc_.validate_params = &validate_params;
    desc_.screen = &screen;
    desc_.build_step = &build_step;
    desc_.safety_json = to_c(manifest_.safety_json);
  }

  static std::vector<modalis_str> views(const std::vector<std::string>& v) {
    std::vector<modalis_str> out;
    out.reserve(v.size());
    for (const std::string& s : v) out.push_back(to_c(s));
    return out;
  }
  static const Export& self() {
    static const Export instance;
    return instance;
  }
  static const std::vector<std::string>* reads() { return &self().manifest_.reads; }

  static int init(void** instance, modalis_error_sink_v1 err) {
    return guarded(err, [&] {
      *instance = new T();
      return MODALIS_OK;
    });
  }
  static void destroy(void* instance) { delete static_cast<T*>(instance); }
  static int validate_params(void* instance, modalis_str params, modalis_error_sink_v1 err) {
    return guarded(err, [&] {
      std::string problem = static_cast<const T*>(instance)->validate_params(from_c(params));
      if (problem.empty()) return static_cast<int>(MODALIS_OK);
      report(err, problem);
      return static_cast<int>(MODALIS_ERROR);
    });
  }
  static int screen(void* instance, const modalis_findings_v1* f, const modalis_screen_sink_v1* s,
                    modalis_error_sink_v1 err) {
    return guarded(err, [&] {
      static_cast<const T*>(instance)->screen(Findings(f, reads()), ScreenResult(s));
      return MODALIS_OK;
    });
  }
  static int build_step(void* instance, const modalis_step_request_v1* r,
                        const modalis_findings_v1* f, const modalis_step_sink_v1* s,
                        modalis_error_sink_v1 err) {
    return guarded(err, [&] {
      StepRequest request;
      request.targets.reserve(r->targets_count);
      for (size_t i = 0; i < r->targets_count; ++i)
        request.targets.push_back(from_c(r->targets[i]));
      request.params_json = from_c(r->params_json);
      request.minutes = r->minutes;
      static_cast<const T*>(instance)->build_step(request, Findings(f, reads()), StepBuilder(s));
      return MODALIS_OK;
    });
  }

  Manifest manifest_;
  std::vector<modalis_str> reads_, required_, targets_;
  modalis_plugin_v1 desc_{};
};

}  // namespace detail
}  // namespace modalis::sdk

// Exports class T as this library's modality. Use once per plugin, at namespace scope.
#define MODALIS_PLUGIN(T)                                    \
  namespace {                                                \
  const modalis_plugin_v1* modalis_plugin_entry() noexcept { \
    return ::modalis::sdk::detail::Export<T>::descriptor();  \
  }                                                          \
  }                                                          \
  BOOST_DLL_ALIAS(modalis_plugin_entry, modalis_plugin_entry_v1)

#endif  // MODALIS_PLUGIN_SDK_HPP_
