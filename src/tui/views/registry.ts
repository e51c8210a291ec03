/**
 * Every view the shell can open, by name: a push reaction names one of
 * these. Adding a view is one file in this folder and one line here.
 */
import type { PushRequest } from '../actions.js';
import type { AnyView } from '../view.js';
import { DetailView } from './worker-detail.js';
import { FleetTableView, type FleetViewArg } from './fleet.js';
import { MonitorPage, WorkersView, type MonitorPageOptions } from './workers.js';
import { ListView } from './lists.js';
import type { ListKind } from '../diagnosis.js';

const VIEWS: Record<string, (arg: never) => AnyView> = {
  monitor: (o: MonitorPageOptions) => new WorkersView(new MonitorPage(o)),
  detail: (a: { page: MonitorPage; key: string }) => new DetailView(a.page, a.key),
  fleet: (a: FleetViewArg) => new FleetTableView(a),
  list: (a: { page: MonitorPage; kind: ListKind }) => new ListView(a.page, a.kind),
};

/** The view a push request names, or undefined for an unknown name. */
export function openView(req: PushRequest): AnyView | undefined {
  const make = VIEWS[req.view];
  return make ? make(req.arg as never) : undefined;
}
