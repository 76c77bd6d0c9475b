/**
 * Every query target of a dashboard's JSON, with its panel and the variable the panel repeats
 * over (its own, or its row's: a row's panels follow it until the next row, or sit inside it
 * when collapsed). Walks the JSON as Grafana stores it, so it works on the committed files.
 */

export interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  repeat?: string;
  targets?: TargetJson[];
  panels?: PanelJson[];
  options?: Record<string, unknown>;
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: { matcher: { id: string; options: unknown }; properties: { id: string; value: unknown }[] }[] };
  transformations?: { id: string; options: Record<string, unknown> }[];
  datasource?: { type?: string; uid?: string };
}

export interface TargetJson {
  refId: string;
  rawSql?: string;
  format?: string;
  datasource?: { type?: string; uid?: string };
}

export interface PanelTarget {
  panel: PanelJson;
  target: TargetJson;
  /** The variable this panel is repeated over (one value per copy), if any. */
  repeat?: string;
}

export function panelTargets(dashboard: { panels?: PanelJson[] }): PanelTarget[] {
  const out: PanelTarget[] = [];
  const add = (panel: PanelJson, rowRepeat: string | undefined) => {
    const repeat = panel.repeat || rowRepeat || undefined;
    for (const target of panel.targets ?? []) out.push(repeat ? { panel, target, repeat } : { panel, target });
  };
  let rowRepeat: string | undefined;
  for (const panel of dashboard.panels ?? []) {
    if (panel.type === 'row') {
      rowRepeat = panel.repeat || undefined;
      for (const inner of panel.panels ?? []) add(inner, rowRepeat);
      continue;
    }
    add(panel, rowRepeat);
  }
  return out;
}
