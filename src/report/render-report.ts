/** The report in each of its formats: HTML and Markdown from one document, JSON as the data. */
import { documentHtml, documentMarkdown } from '../text/document.js';
import type { Report } from './report.js';
import { reportDocument } from './report-document.js';

export const REPORT_FORMATS = ['html', 'md', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function renderReport(report: Report, format: ReportFormat): string {
  switch (format) {
    case 'html':
      return documentHtml(reportDocument(report));
    case 'md':
      return documentMarkdown(reportDocument(report)) + '\n';
    case 'json':
      // Data for tools (jq pretty-prints it): on the 10M lake indentation alone nearly doubles it.
      return JSON.stringify(report) + '\n';
    default:
      return format satisfies never;
  }
}
