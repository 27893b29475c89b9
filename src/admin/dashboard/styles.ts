/** The dashboard's only stylesheet, inlined (operators' machines may have no internet; no build step). */
export const CSS = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6575; --line: #dde2ea; --bg: #f5f7fa; --card: #fff;
  --accent: #2c5cc5; --ok: #1c7c43; --ok-bg: #e3f4ea; --bad: #b42318; --bad-bg: #fde8e6; --wait: #8a5a00;
  --wait-bg: #fff3d6; --info: #2c5cc5; --info-bg: #e6eefc; --idle: #4b5563; --idle-bg: #eceff3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: var(--bg); }
header.top { background: #18202c; color: #fff; }
header.top .bar { max-width: 1280px; margin: 0 auto; padding: 0 20px; display: flex; align-items: center; gap: 20px;
  min-height: 48px; }
header.top .brand { font-weight: 700; letter-spacing: .02em; }
header.top nav { display: flex; gap: 4px; flex: 1; }
header.top nav a { color: #cdd5e0; text-decoration: none; padding: 6px 10px; border-radius: 6px; }
header.top nav a.active, header.top nav a:hover { background: #2a3442; color: #fff; }
header.top form button { background: transparent; color: #cdd5e0; border-color: #3a4656; }
main { max-width: 1280px; margin: 0 auto; padding: 20px; }
h1 { font-size: 20px; margin: 0 0 14px; }
h2 { font-size: 16px; margin: 24px 0 10px; }
h3 { font-size: 14px; margin: 0; }
.card-head h1 { margin: 0; }
a { color: var(--accent); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #0f1722; color: #e3e9f2; padding: 12px; border-radius: 8px; overflow: auto; max-height: 480px;
  white-space: pre-wrap; word-break: break-word; margin: 6px 0 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px;
  margin-bottom: 16px; }
.card-head { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; margin-bottom: 8px; }
.card-head .spacer { flex: 1; }
.muted { color: var(--muted); }
.stats { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px;
  min-width: 150px; }
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.stat .value { font-size: 20px; font-weight: 650; }
.stat .value.bad { color: var(--bad); }
.chips { display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
table { width: 100%; border-collapse: collapse; background: var(--card); }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fafbfc; }
tbody tr:hover { background: #f8fafd; }
.table-wrap { border: 1px solid var(--line); border-radius: 10px; overflow: auto; margin-bottom: 16px; }
td.actions { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600;
  white-space: nowrap; background: var(--idle-bg); color: var(--idle); }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.badge.wait { background: var(--wait-bg); color: var(--wait); }
.badge.info { background: var(--info-bg); color: var(--info); }
form.inline { display: inline-flex; align-items: center; gap: 10px; margin: 0; }
form.filters { display: flex; gap: 10px; align-items: flex-end; flex-wrap: wrap; margin-bottom: 14px; }
label { display: flex; flex-direction: column; gap: 3px; font-size: 12px; color: var(--muted); }
label.check { flex-direction: row; align-items: center; gap: 6px; font-size: 13px; color: var(--ink); }
input, select { font: inherit; height: 32px; padding: 4px 8px; border: 1px solid #c3cad6; border-radius: 6px;
  background: #fff; color: var(--ink); min-width: 160px; }
input[type=checkbox] { min-width: 0; height: auto; }
button, .button { font: inherit; font-weight: 600; padding: 6px 12px; border-radius: 6px; border: 1px solid #c3cad6;
  background: #fff; color: var(--ink); cursor: pointer; text-decoration: none; display: inline-block; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
.flash { border-radius: 10px; padding: 10px 14px; margin-bottom: 16px; border: 1px solid; }
.flash.ok { background: var(--ok-bg); border-color: #9fd5b4; color: #0f5130; }
.flash.error { background: var(--bad-bg); border-color: #f3b0a9; color: #7a1a11; }
.flash ul { margin: 6px 0 0; padding-left: 18px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
.pager { display: flex; gap: 10px; justify-content: space-between; }
details summary { cursor: pointer; color: var(--accent); }
.login { max-width: 380px; margin: 10vh auto; }
.login form { display: flex; flex-direction: column; gap: 12px; }
.login input { width: 100%; }
header.top a.refresh { color: #9aa5b4; font-size: 12px; text-decoration: none; }
header.top a.refresh:hover { color: #fff; }
.issues { background: var(--card); border: 1px solid #f3b0a9; border-left: 4px solid var(--bad); border-radius: 10px;
  padding: 8px 14px; margin-bottom: 16px; }
.issues.calm { border-color: var(--line); border-left-color: var(--ok); color: var(--muted); }
.issues ul { list-style: none; margin: 0; padding: 0; }
.issues li { padding: 3px 0; }
.issues p { margin: 4px 0 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 12px; margin-bottom: 16px; }
figure.chart { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 4px; }
figure.chart svg { max-width: 100%; height: auto; }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); }
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 14px; border-left: 2px solid var(--line); }
ol.timeline li { position: relative; padding: 4px 0 8px 10px; }
ol.timeline li::before { content: ""; position: absolute; left: -21px; top: 9px; width: 10px; height: 10px;
  border-radius: 50%; background: var(--idle); }
ol.timeline li.ok::before { background: var(--ok); }
ol.timeline li.bad::before { background: var(--bad); }
ol.timeline li.wait::before { background: var(--wait); }
ol.timeline li.info::before { background: var(--info); }
ol.timeline .when { color: var(--muted); font-size: 12px; margin-right: 8px; }
pre.full { max-height: none; }
tr.failed { background: #fff8f7; }
button.quiet { font-weight: 500; color: var(--muted); padding: 3px 10px; }
.empty { padding: 18px; text-align: center; color: var(--muted); background: var(--card); }
`;
