// Closed-loop load over HTTP/1.1 with keep-alive (modalisd's Connect JSON door): N streams, each a
// connection with one POST in flight, each starting its next as soon as the previous one is
// answered. A thread per stream with a blocking client: the simplest client a web app has.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "bench/load/driver.h"

namespace modalis::load {

// POSTs `body(stream)` as application/json to http://`address``path` on `streams` connections
// for `warmup` (not measured) and then `measure`. A reply other than 200 counts as an error.
CellResult RunHttpCell(const std::string& address, const std::string& path,
                       const std::function<std::string(size_t stream)>& body, size_t streams,
                       std::chrono::milliseconds warmup, std::chrono::milliseconds measure);

}  // namespace modalis::load
