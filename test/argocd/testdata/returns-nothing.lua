-- A health script must return a table.
local hs = { status = "Healthy" }
