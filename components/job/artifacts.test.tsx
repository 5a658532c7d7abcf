import { renderToStaticMarkup } from "react-dom/server";
import { expect, it } from "vitest";
import { ArtifactsPanel } from "./run-results";

/** Stored artifacts on the job page: images inline from the download route, the rest as downloads. */
const artifacts = [
  { name: "screenshots/home.png", kind: "file", size: 2048, stored: true, contentType: "image/png" },
  { name: "report.json", kind: "file", size: 10, stored: true, contentType: "application/json" },
  { name: "diff", kind: "diff", size: 3, content: "+a" },
  { name: "big.bin", kind: "file", size: 99, path: "/work/factory/job/big.bin" },
];

it("shows a stored image inline as an <img> of the download route, for the attempt shown", () => {
  const html = renderToStaticMarkup(<ArtifactsPanel artifacts={artifacts} jobId="j-abc" attempt={2} />);
  expect(html).toContain('<img src="/api/fleet/jobs/j-abc/artifacts/screenshots%2Fhome.png?attempt=2" alt="artifact screenshots/home.png"');
  expect(html.match(/<img /g)).toHaveLength(1);
  // Not an image: a download link, never inline.
  expect(html).toContain('<a href="/api/fleet/jobs/j-abc/artifacts/report.json?attempt=2" download="report.json"');
  // Not stored: the name only (and the factory path it was left at).
  expect(html).toContain("/work/factory/job/big.bin");
  expect(html).not.toContain("artifacts/diff");
});

it("an image that was not stored, or a stored one with a non-image type, is never an <img>", () => {
  const html = renderToStaticMarkup(
    <ArtifactsPanel
      jobId="j-abc"
      artifacts={[
        { name: "shot.png", kind: "file", size: 1, path: "/tmp/shot.png" },
        { name: "page.png", kind: "file", size: 1, stored: true, contentType: "text/plain" },
      ]}
    />,
  );
  expect(html).not.toContain("<img");
  expect(html).toContain('href="/api/fleet/jobs/j-abc/artifacts/page.png"');
});
