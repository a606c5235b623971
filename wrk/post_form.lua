-- wrk scenario: POST /post with an application/x-www-form-urlencoded body (5 fields).
-- PREFIX=/fast wrk -t1 -c64 -d8s -s wrk/post_form.lua http://127.0.0.1:8000   (PREFIX default "")
-- Loads report.lua from this script's directory (wrk can be run from anywhere).
local dir = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "./"
local report = dofile(dir .. "report.lua")

wrk.method = "POST"
wrk.path = report.path("/post")
wrk.body = "name=Jane+Doe&email=jane%40example.org&quantity=3&color=blue"
  .. "&comment=Hello%2C+world%21"
report.browser_headers({
  ["Content-Type"] = "application/x-www-form-urlencoded",
})
