namespace PromptLeo.Web.Components;

/// <summary>The user's theme choice, cascaded from the root so layouts can render it without HttpContext.</summary>
public sealed record ThemeState(bool DarkMode);
