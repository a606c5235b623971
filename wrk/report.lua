-- Shared wrk reporting for the httpbin-ext scenario scripts (wrk 4.x, LuaJIT / Lua 5.1).
--
-- A scenario script loads this file with
--     dofile(script_dir .. "report.lua")
-- (script_dir taken from debug.getinfo(1, "S").source, so wrk can be started from any directory)
-- and gets:
--   * report.prefix          the path prefix from the PREFIX environment variable (default ""),
--                            so one script hits /get or /fast/get;
--   * report.path(p)         prefix .. p;
--   * report.browser_headers(extra)  sets a desktop browser's request headers (plus extra);
--   * setup/response/done    wrk hooks: count responses per status class in every thread and
--                            print ONE JSON line at the end (see done below).
--
-- Counting non-2xx: wrk's own summary.errors.status only counts status > 399, so 1xx/3xx
-- answers would go unnoticed. response() counts every status outside 200-299 per thread; done()
-- adds the threads up. Defining response() makes wrk hand each response to Lua, which costs the
-- load generator a little CPU per request (the same for every server measured).
--
-- Output (one line, keys always present, latencies in microseconds):
-- {"requests":N,"duration_s":S,"rps":R,"bytes":B,"latency_us":{"p50":..,"p90":..,"p99":..,
--  "p99.9":..,"mean":..,"stdev":..,"max":..},"errors":{"connect":..,"read":..,"write":..,
--  "timeout":..,"status":..},"socket_errors":N,"non_2xx":N,"status_counts":{"200":N,...}}

report = {}
report.prefix = (os.getenv("PREFIX") or ""):gsub("/+$", "")

function report.path(p)
  return report.prefix .. p
end

-- What a desktop browser sends (wrk adds Host, and Content-Length when there is a body).
function report.browser_headers(extra)
  local h = wrk.headers
  h["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    .. "Chrome/124.0.0.0 Safari/537.36"
  h["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    .. "*/*;q=0.8"
  h["Accept-Encoding"] = "gzip, deflate, br, zstd"
  h["Accept-Language"] = "en-US,en;q=0.9,de;q=0.8"
  h["Connection"] = "keep-alive"
  for k, v in pairs(extra or {}) do
    h[k] = v
  end
end

-- Per-thread state (every wrk thread runs the script in its own Lua state).
non_2xx = 0
status_counts = {}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  local key = tostring(status)
  status_counts[key] = (status_counts[key] or 0) + 1
  if status < 200 or status > 299 then
    non_2xx = non_2xx + 1
  end
end

local function num(x)
  if x ~= x or x == math.huge or x == -math.huge then
    return "null"
  end
  if x == math.floor(x) and math.abs(x) < 1e15 then
    return string.format("%d", x)
  end
  return string.format("%.3f", x)
end

function done(summary, latency, requests)
  local total_non_2xx, counts = 0, {}
  for _, thread in ipairs(threads) do
    total_non_2xx = total_non_2xx + (thread:get("non_2xx") or 0)
    local tc = thread:get("status_counts") or {}
    for code, n in pairs(tc) do
      counts[code] = (counts[code] or 0) + n
    end
  end
  local e = summary.errors
  local duration_s = summary.duration / 1e6
  local rps = 0
  if duration_s > 0 then
    rps = summary.requests / duration_s
  end
  -- status_counts sorted by code, for stable output
  local codes = {}
  for code in pairs(counts) do
    table.insert(codes, code)
  end
  table.sort(codes)
  local parts = {}
  for _, code in ipairs(codes) do
    table.insert(parts, string.format('"%s":%d', code, counts[code]))
  end
  local out = {
    '{"requests":', num(summary.requests),
    ',"duration_s":', string.format("%.6f", duration_s),
    ',"rps":', string.format("%.2f", rps),
    ',"bytes":', num(summary.bytes),
    ',"latency_us":{"p50":', num(latency:percentile(50)),
    ',"p90":', num(latency:percentile(90)),
    ',"p99":', num(latency:percentile(99)),
    ',"p99.9":', num(latency:percentile(99.9)),
    ',"mean":', num(latency.mean),
    ',"stdev":', num(latency.stdev),
    ',"max":', num(latency.max),
    '},"errors":{"connect":', num(e.connect),
    ',"read":', num(e.read),
    ',"write":', num(e.write),
    ',"timeout":', num(e.timeout),
    ',"status":', num(e.status),
    '},"socket_errors":', num(e.connect + e.read + e.write + e.timeout),
    ',"non_2xx":', num(total_non_2xx),
    ',"status_counts":{', table.concat(parts, ","), "}",
    ',"prefix":"', report.prefix:gsub('[%c"\\]', ""), '"',
    "}",
  }
  io.write(table.concat(out), "\n")
end

return report
