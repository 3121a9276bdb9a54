// Package news holds the use cases of the group's news items and calendar
// events (training days, watch sessions, general assemblies): writing
// them as the group or as a member co-op, scheduling news, sanitising
// HTML, checking alt text and image sizes, and raising the domain events
// that federation turns into Create, Update and Delete for all followers.
package news
