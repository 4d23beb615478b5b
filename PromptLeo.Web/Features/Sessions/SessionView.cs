namespace PromptLeo.Web.Features.Sessions;

/// <summary>One row of the "active sessions" list.</summary>
public sealed record SessionView(Guid Id, DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, string Device, string Network, string Region, bool IsCurrent);
