using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace PromptLeo.Tests.Fixtures;

/// <summary>One failing element of an axe-core rule on one page view.</summary>
public sealed record AxeViolation(string View, string Rule, string Impact, string Help, string Selector, string Summary)
{
    /// <summary>Moderate best-practice rules that fail the walk too: one h1, content inside landmarks, heading order, one main.</summary>
    public static readonly IReadOnlySet<string> EnforcedModerateRules = new HashSet<string> { "page-has-heading-one", "region", "heading-order", "landmark-one-main" };

    public bool IsBlocking => Impact is "serious" or "critical" || EnforcedModerateRules.Contains(Rule);
}

/// <summary>
/// axe-core from npm (PromptLeo.Tests/Browser/axe, installed by <c>npm ci</c> in .ci/run), injected into a browser context
/// as an init script (so the page's Content-Security-Policy does not apply) and run against WCAG 2.1 A/AA and best practices.
/// </summary>
public static class Axe
{
    public const string Version = "4.14.1";

    public static string ScriptPath { get; } = Path.Combine(SourceTree.Root, "PromptLeo.Tests", "Browser", "axe", "node_modules", "axe-core", "axe.min.js");

    private static readonly Lazy<string> Source = new(() => File.Exists(ScriptPath)
        ? File.ReadAllText(ScriptPath)
        : throw new InvalidOperationException($"{ScriptPath} is missing: run `npm ci` in PromptLeo.Tests/Browser/axe (.ci/run does)."));

    /// <summary>Every page the context opens from now on carries window.axe.</summary>
    public static Task InjectAsync(IBrowserContext context) => context.AddInitScriptAsync(Source.Value);

    // Tags: WCAG 2.0/2.1 levels A and AA plus axe's best practices; serious and critical fail, and the enforced moderate rules above.
    private const string RunScript = """
        async () => {
          const result = await axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
            resultTypes: ['violations'],
          });
          return result.violations.flatMap(v => v.nodes.map(n => ({
            rule: v.id, impact: n.impact || v.impact || 'unknown', help: v.help,
            selector: n.target.map(t => Array.isArray(t) ? t.join(' >> ') : t).join(' | '),
            summary: (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300),
          })));
        }
        """;

    public static async Task<IReadOnlyList<AxeViolation>> RunAsync(IPage page, string view)
    {
        var found = await page.EvaluateAsync<JsonElement>(RunScript);
        return found.EnumerateArray().Select(v => new AxeViolation(view,
            v.GetProperty("rule").GetString()!, v.GetProperty("impact").GetString()!, v.GetProperty("help").GetString()!,
            v.GetProperty("selector").GetString()!, v.GetProperty("summary").GetString()!)).ToList();
    }

    /// <summary>A Markdown report, blocking violations first, for a person to fix them: view, impact, rule, selector, what axe says.</summary>
    public static string Report(IEnumerable<AxeViolation> violations, IEnumerable<string> views)
    {
        var all = violations.OrderBy(v => v.IsBlocking ? 0 : 1).ThenBy(v => v.Rule).ThenBy(v => v.View).ToList();
        var text = new StringBuilder($"# axe-core {Version} report\n\nViews scanned: {views.Count()}. Blocking (serious/critical and the enforced moderate rules): {all.Count(v => v.IsBlocking)}. Other: {all.Count(v => !v.IsBlocking)}.\n\n");
        text.AppendLine("| view | impact | rule | selector | failure |").AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var v in all)
        {
            text.AppendLine($"| {v.View} | {v.Impact} | {v.Rule} | `{v.Selector.Replace("|", "\\|")}` | {v.Summary.Replace("|", "\\|")} |");
        }
        return text.ToString();
    }
}
