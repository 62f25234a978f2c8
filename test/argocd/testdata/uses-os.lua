-- Argo CD's Lua sandbox has no os library; the test harness must refuse this script as Argo CD would.
return { status = "Healthy", message = os.date() }
