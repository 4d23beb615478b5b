namespace PromptLeo.Web.Features.Privacy;

/// <summary>What one retention purge deleted, by category (e.g. <c>conversations</c>, <c>images</c>, <c>exports</c>).</summary>
public sealed class PurgeCounts(IReadOnlyDictionary<string, int> counts)
{
    public int this[string category] => counts.GetValueOrDefault(category);

    public int Total => counts.Values.Sum();

    public override string ToString() => string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}"));
}
