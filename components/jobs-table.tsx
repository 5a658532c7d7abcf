"use client";
/**
 * The jobs table. Filtering, sorting and paging run on the server (`GET /api/fleet/jobs`): TanStack
 * Table is in manual mode and only ever holds one page, so 100,000 jobs cost the same as 100. The
 * query lives in the URL (shareable, and the back button works); cursor paging keeps a stack of
 * the cursors seen so "previous" needs no offset.
 */
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  useReactTable,
  type RowSelectionState,
} from "@tanstack/react-table";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { JOB_TRACKER_FILTERS, type JobTrackerFilter } from "@/lib/api/jobs";
import { STAGES } from "@/lib/types";
import type { FactoryView, JobsPage } from "@/lib/ui/api-types";
import { formatAge, formatUsd } from "@/lib/ui/format";
import { toJobRow, type JobRow } from "@/lib/ui/job-row";
import { jobsQueryString, parseJobsQuery, toggleSort, withFilter, type JobsQuery, type SortKey } from "@/lib/ui/jobs-query";
import { errorText, getJson, postAction } from "./api-client";
import { OverdueBadge, PrLink, PriorityBadge, StageBadge } from "./badges";

const column = createColumnHelper<JobRow>();
const BULK = ["requeue", "cancel", "pause"] as const;
const WAITING: ReadonlySet<string> = new Set(["queued", "blocked", "paused"]);
const TRACKER_FILTER_LABEL: Record<JobTrackerFilter, string> = { github: "from GitHub", linear: "from Linear", any: "from any tracker", none: "from no tracker" };

function SortHeader({ label, sortKey, query, onSort, sortable }: { label: string; sortKey: SortKey; query: JobsQuery; onSort: (k: SortKey) => void; sortable: readonly SortKey[] }) {
  // Only columns the server can order by get a control: a client-side sort of one page would lie.
  if (!sortable.includes(sortKey)) return <>{label}</>;
  const active = query.sort === sortKey;
  return (
    <button type="button" onClick={() => onSort(sortKey)} aria-label={`sort by ${label}`}>
      {label} {active ? (query.order === "asc" ? "▲" : "▼") : ""}
    </button>
  );
}

/**
 * `sortable` lists the orders the API implements (`sort`/`order` query parameters); the store
 * returns newest first otherwise.
 */
export function JobsTable({ canOperate, sortable = [] }: { canOperate: boolean; sortable?: readonly SortKey[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const query = useMemo(() => parseJobsQuery(new URLSearchParams(searchParams.toString())), [searchParams]);
  const [page, setPage] = useState<JobsPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [factories, setFactories] = useState<Map<string, string>>(new Map());
  const [selection, setSelection] = useState<RowSelectionState>({});
  const [cursors, setCursors] = useState<string[]>([]);
  const [refreshTick, setRefreshTick] = useState(0);
  const [bulkMessage, setBulkMessage] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [text, setText] = useState(query.q ?? "");

  const navigate = (next: JobsQuery) => {
    const qs = jobsQueryString(next);
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    getJson<JobsPage>(`/api/fleet/jobs?${jobsQueryString(query, { includeDefaults: true })}`, abort.signal)
      .then((p) => {
        setPage(p);
        setError(null);
        setSelection({});
        setNow(Date.now());
      })
      .catch((e: unknown) => {
        if (!abort.signal.aborted) setError(errorText(e));
      })
      .finally(() => {
        if (!abort.signal.aborted) setLoading(false);
      });
    return () => abort.abort();
  }, [query, refreshTick]);

  useEffect(() => {
    getJson<{ items: FactoryView[] }>("/api/fleet/factories")
      .then((r) => setFactories(new Map(r.items.map((f) => [f.id, f.name]))))
      .catch(() => undefined);
  }, []);

  // Debounce the text search so typing does not send a request per key.
  useEffect(() => {
    if ((query.q ?? "") === text.trim()) return;
    const t = setTimeout(() => navigate(withFilter(query, { q: text.trim() || undefined })), 300);
    return () => clearTimeout(t);
  }, [text]);

  const onSort = (key: SortKey) => {
    setCursors([]);
    navigate(toggleSort(query, key));
  };
  const rows = useMemo(() => (page?.items ?? []).map((j) => toJobRow(j, factories)), [page, factories]);

  const columns = useMemo(
    () => [
      ...(canOperate
        ? [
            column.display({
              id: "select",
              header: ({ table }) => (
                <input
                  type="checkbox"
                  aria-label="select all jobs on this page"
                  checked={table.getIsAllRowsSelected()}
                  onChange={table.getToggleAllRowsSelectedHandler()}
                />
              ),
              cell: ({ row }) => (
                <input
                  type="checkbox"
                  aria-label={`select ${row.original.title}`}
                  checked={row.getIsSelected()}
                  onChange={row.getToggleSelectedHandler()}
                />
              ),
            }),
          ]
        : []),
      column.accessor("stage", {
        header: () => <SortHeader label="Stage" sortKey="stage" query={query} onSort={onSort} sortable={sortable} />,
        cell: (c) => <StageBadge stage={c.getValue()} />,
      }),
      column.accessor("priority", {
        header: () => <SortHeader label="Priority" sortKey="priority" query={query} onSort={onSort} sortable={sortable} />,
        cell: (c) => <PriorityBadge priority={c.getValue()} />,
      }),
      column.accessor("title", {
        header: () => <SortHeader label="Title" sortKey="title" query={query} onSort={onSort} sortable={sortable} />,
        cell: (c) => (
          <>
            <a href={`/jobs/${encodeURIComponent(c.row.original.id)}`} title={c.row.original.pendingReason}>
              {c.getValue()}
            </a>
            {/* Why a waiting job waits, readable without opening it (the scheduler's one-line reason). */}
            {c.row.original.pendingReason && WAITING.has(c.row.original.stage) && (
              <div className="muted" data-testid="row-pending-reason" style={{ fontSize: 12 }}>
                {c.row.original.pendingReason}
              </div>
            )}
          </>
        ),
      }),
      // Not an order the API offers; blank for a job with no pull request.
      column.accessor("pr", {
        header: "PR",
        cell: (c) => {
          const pr = c.getValue();
          return pr ? <PrLink pr={pr} /> : null;
        },
      }),
      // Where the job came from: the tracker item, linked to its page where the id tells it.
      column.accessor((r) => r.tracker, {
        id: "tracker",
        header: "Tracker",
        cell: (c) => {
          const t = c.getValue();
          if (!t) return null;
          return t.url ? (
            <a href={t.url} className="mono" data-testid="row-tracker" target="_blank" rel="noreferrer noopener">
              {t.item}
            </a>
          ) : (
            <span className="mono" data-testid="row-tracker">
              {t.item}
            </span>
          );
        },
      }),
      column.accessor("product", { header: "Product" }),
      column.accessor("profile", { header: "Profile" }),
      column.accessor("engine", { header: "Engine" }),
      column.accessor("factory", { header: "Factory" }),
      column.accessor("createdAt", {
        header: () => <SortHeader label="Age" sortKey="createdAt" query={query} onSort={onSort} sortable={sortable} />,
        cell: (c) => (
          <>
            <span title={new Date(c.getValue()).toISOString()}>{formatAge(c.getValue(), now)}</span>
            {c.row.original.overdue && (
              <>
                {" "}
                <OverdueBadge overdue={c.row.original.overdue} />
              </>
            )}
          </>
        ),
      }),
      column.accessor("costUsd", {
        // Not an order the API offers (cost changes under a running job, so a cursor over it would drift).
        header: "Cost",
        cell: (c) => formatUsd(c.getValue()),
        meta: { numeric: true },
      }),
    ],
    [canOperate, query, now, sortable],
  );

  const table = useReactTable({
    data: rows,
    columns,
    getRowId: (r) => r.id,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualFiltering: true,
    manualPagination: true,
    enableRowSelection: canOperate,
    state: { rowSelection: selection },
    onRowSelectionChange: setSelection,
  });

  const selectedIds = Object.keys(selection).filter((id) => selection[id]);
  const runBulk = async (action: (typeof BULK)[number]) => {
    if (action === "cancel" && !window.confirm(`Cancel ${selectedIds.length} job(s)?`)) return;
    const results = await Promise.allSettled(selectedIds.map((id) => postAction(id, action)));
    const refused = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    setBulkMessage(
      refused.length
        ? `${action}: ${results.length - refused.length} done, ${refused.length} refused (${errorText(refused[0]!.reason)})`
        : `${action}: ${results.length} done`,
    );
    setRefreshTick((t) => t + 1);
  };

  return (
    <section aria-label="jobs">
      <form className="row" role="search" onSubmit={(e) => e.preventDefault()} style={{ marginBottom: 10 }}>
        <label>
          <span className="sr-only">Search</span>
          <input type="search" placeholder="search title or id" aria-label="search jobs" value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <select aria-label="filter by stage" value={query.stage ?? ""} onChange={(e) => navigate(withFilter(query, { stage: (e.target.value || undefined) as JobsQuery["stage"] }))}>
          <option value="">all stages</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select aria-label="filter by tracker" value={query.tracker ?? ""} onChange={(e) => navigate(withFilter(query, { tracker: (e.target.value || undefined) as JobsQuery["tracker"] }))}>
          <option value="">all sources</option>
          {JOB_TRACKER_FILTERS.map((t) => (
            <option key={t} value={t}>
              {TRACKER_FILTER_LABEL[t]}
            </option>
          ))}
        </select>
        <FilterInput name="item" label="tracker item" placeholder="tracker item" value={query.item ?? ""} onCommit={(v) => navigate(withFilter(query, { item: v || undefined }))} />
        {(["product", "profile", "factory"] as const).map((key) => (
          <FilterInput key={key} name={key} value={query[key] ?? ""} onCommit={(v) => navigate(withFilter(query, { [key]: v || undefined }))} />
        ))}
        <span className="muted" aria-live="polite">
          {loading ? "loading…" : `${rows.length} shown`}
        </span>
      </form>

      {canOperate && selectedIds.length > 0 && (
        <div className="row panel" role="toolbar" aria-label="bulk actions" style={{ marginBottom: 10 }}>
          <span>{selectedIds.length} selected</span>
          {BULK.map((a) => (
            <button key={a} type="button" className={a === "cancel" ? "danger" : ""} onClick={() => void runBulk(a)}>
              {a} selected
            </button>
          ))}
        </div>
      )}
      {bulkMessage && (
        <p role="status" className="muted">
          {bulkMessage}
        </p>
      )}
      {error && <p role="alert">Could not load jobs: {error}</p>}

      <table className="data">
        <thead>
          {table.getHeaderGroups().map((g) => (
            <tr key={g.id}>
              {g.headers.map((h) => (
                <th key={h.id} scope="col" aria-sort={ariaSort(h.column.id, query, sortable)}>
                  {h.isPlaceholder ? null : flexRender(h.column.columnDef.header, h.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((r) => (
            <tr key={r.id} data-job-id={r.id}>
              {r.getVisibleCells().map((cell) => (
                <td key={cell.id} className={(cell.column.columnDef.meta as { numeric?: boolean } | undefined)?.numeric ? "num" : undefined}>
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </td>
              ))}
            </tr>
          ))}
          {!loading && rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="muted">
                No jobs match.
              </td>
            </tr>
          )}
        </tbody>
      </table>

      <nav className="row" aria-label="pages" style={{ marginTop: 10 }}>
        <button
          type="button"
          disabled={cursors.length === 0}
          onClick={() => {
            const prev = cursors.slice(0, -1);
            setCursors(prev);
            navigate({ ...query, cursor: prev[prev.length - 1] });
          }}
        >
          Previous page
        </button>
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => {
            setCursors([...cursors, page!.nextCursor!]);
            navigate({ ...query, cursor: page!.nextCursor! });
          }}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}

/** The sorted column says so to assistive tech (column ids are the API's sort keys). */
function ariaSort(columnId: string, query: JobsQuery, sortable: readonly SortKey[]): "ascending" | "descending" | undefined {
  if (query.sort !== columnId || !sortable.includes(columnId as SortKey)) return undefined;
  return query.order === "asc" ? "ascending" : "descending";
}

/** A text filter that applies on Enter or blur (each one is a server query). */
function FilterInput({ name, label = name, placeholder = name, value, onCommit }: { name: string; label?: string; placeholder?: string; value: string; onCommit: (v: string) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft.trim() !== value) onCommit(draft.trim());
  };
  return (
    <input
      aria-label={`filter by ${label}`}
      placeholder={placeholder}
      data-filter={name}
      value={draft}
      size={12}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit();
      }}
    />
  );
}
