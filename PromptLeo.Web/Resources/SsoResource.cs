namespace PromptLeo.Web.Resources;

/// <summary>Marker for organization single sign-on strings (login form, settings page). Keys are the English text.</summary>
public sealed class SsoResource;
