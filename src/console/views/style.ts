/** The console's one stylesheet, served from /console/static (the CSP allows no inline styles). */
export const STYLESHEET = `
:root { --fg: #1d2330; --muted: #5d6778; --line: #dde2ea; --bg: #f6f7f9; --card: #fff; --accent: #2456c7;
  --add: #e6f6ea; --del: #fdecec; --warn: #9a5b00; --bar: #2456c7; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
header.top { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.5rem; background: #17203a; color: #fff; }
header.top a { color: #d8e1ff; } header.top a.on { color: #fff; font-weight: 600; }
header.top .brand { font-weight: 700; color: #fff; margin-right: 1rem; }
header.top .who { margin-left: auto; display: flex; gap: .75rem; align-items: center; color: #b9c3dd; }
header.top form { margin: 0; }
header.top button { background: none; border: 1px solid #56617f; color: #d8e1ff; border-radius: 4px; padding: .15rem .6rem; cursor: pointer; }
main { max-width: 1120px; margin: 1.5rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin-bottom: 1rem; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
th, td { text-align: left; padding: .45rem .75rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:last-child td { border-bottom: none; }
.preview { color: var(--muted); max-width: 32rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.tag { display: inline-block; background: #eef2fb; color: #2a3d70; border-radius: 10px; padding: 0 .5rem; font-size: .8rem; margin-right: .25rem; }
.prio-always_check { color: #8a2be2; font-weight: 600; } .prio-important { color: var(--warn); font-weight: 600; } .prio-reference { color: var(--muted); }
.tabs { display: flex; gap: .25rem; border-bottom: 1px solid var(--line); margin: 1rem 0; }
.tabs a { padding: .4rem .8rem; border: 1px solid transparent; border-bottom: none; border-radius: 6px 6px 0 0; }
.tabs a.on { background: var(--card); border-color: var(--line); margin-bottom: -1px; color: var(--fg); font-weight: 600; }
.row { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
.spacer { flex: 1; }
pre.content { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; white-space: pre-wrap; word-break: break-word; font: 13.5px/1.55 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 0; }
.diff { background: var(--card); border: 1px solid var(--line); border-radius: 8px; font: 13.5px/1.55 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow: hidden; }
.diff div { white-space: pre-wrap; word-break: break-word; padding: 0 .75rem; }
.diff .add { background: var(--add); } .diff .del { background: var(--del); text-decoration: line-through; text-decoration-color: #d9a3a3; }
.diff .same { color: var(--muted); }
form.inline { display: inline; margin: 0; }
button, .button { font: inherit; background: var(--accent); color: #fff; border: none; border-radius: 5px; padding: .35rem .9rem; cursor: pointer; display: inline-block; }
button.secondary, .button.secondary { background: #e8ecf4; color: var(--fg); }
button.danger { background: #fbe9e7; color: var(--bad); }
input[type=text], input[type=search], input[type=password], select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #c4cbd8; border-radius: 5px; background: #fff; }
textarea { width: 100%; min-height: 22rem; font: 13.5px/1.55 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
.error { background: #fdecec; border: 1px solid #f5c2c0; color: var(--bad); padding: .6rem .9rem; border-radius: 6px; margin-bottom: 1rem; }
.notice { background: #e9f2ff; border: 1px solid #bcd3fb; padding: .6rem .9rem; border-radius: 6px; margin-bottom: 1rem; }
mark { background: #fff1a8; padding: 0 .1rem; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: .75rem; margin-bottom: 1rem; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem; }
.stat b { display: block; font-size: 1.5rem; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: .85rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(21rem, 1fr)); gap: .75rem; }
.chart svg { width: 100%; height: 90px; display: block; }
.chart rect.bar { fill: var(--bar); } .chart rect.bad { fill: var(--bad); } .chart line { stroke: var(--line); }
.chart .legend { display: flex; justify-content: space-between; color: var(--muted); font-size: .8rem; }
.login { max-width: 26rem; margin: 4rem auto; }
.muted { color: var(--muted); }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #eef1f6; border-radius: 4px; padding: 0 .3rem; }
.badge { display: inline-block; border-radius: 10px; padding: 0 .6rem; font-size: .85rem; font-weight: 600; }
.badge.ok { background: var(--add); color: #1a6b34; } .badge.bad { background: var(--del); color: var(--bad); } .badge.unknown { background: #eef1f6; color: var(--muted); }
.upstream h3 { margin: 0; font-size: 1.15rem; }
.upstream .sub { margin: .25rem 0 .75rem; }
table.kv th { width: 13rem; text-transform: none; letter-spacing: 0; font-size: .9rem; color: var(--fg); }
`;
