using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Metering;

/// <summary>
/// Handed to the caller's content writer at the end of a request: add the message or image rows to <see cref="Db"/>;
/// the metering service saves them with the usage event and the processing record in one <c>SaveChanges</c>.
/// </summary>
public sealed class MeteredSave(AppDbContext db, string requestId, string outcome, decimal cost)
{
    private readonly List<Action> undo = [];

    public AppDbContext Db { get; } = db;

    public string RequestId { get; } = requestId;

    /// <summary>The record's outcome: completed, cancelled or failed.</summary>
    public string Outcome { get; } = outcome;

    /// <summary>What the request was charged, in EUR.</summary>
    public decimal Cost { get; } = cost;

    /// <summary>Registers a step that undoes work outside the database (a written file) if the save fails.</summary>
    public void OnFailure(Action undoStep) => undo.Add(undoStep);

    internal void Undo()
    {
        foreach (var step in undo)
        {
            step();
        }
    }
}
