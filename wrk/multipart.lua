-- wrk scenario: POST /post with a multipart/form-data body: two text fields and a ~1 KB text
-- file, with a fixed boundary (so every request is byte-identical).
-- PREFIX=/fast wrk -t1 -c64 -d8s -s wrk/multipart.lua http://127.0.0.1:8000   (PREFIX default "")
-- Loads report.lua from this script's directory (wrk can be run from anywhere).
local dir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
local report = dofile(dir .. "report.lua")

local boundary = "----httpbinExtBoundary7MA4YWxkTrZu0gW"
local file_lines = {}
for i = 1, 16 do
  file_lines[i] = string.format(
    "line %02d: the quick brown fox jumps over the lazy dog 0123456789", i)
end
local file_body = table.concat(file_lines, "\r\n") .. "\r\n"

local function part(headers, content)
  return "--" .. boundary .. "\r\n" .. headers .. "\r\n\r\n" .. content .. "\r\n"
end

wrk.method = "POST"
wrk.path = report.path("/post")
wrk.body = part('Content-Disposition: form-data; name="name"', "Jane Doe")
  .. part('Content-Disposition: form-data; name="comment"', "multipart upload from wrk")
  .. part('Content-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
    .. "Content-Type: text/plain", file_body)
  .. "--" .. boundary .. "--\r\n"
report.browser_headers({
  ["Accept"] = "*/*",
  ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
})
