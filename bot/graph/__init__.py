"""Microsoft Graph (app-only): the only package that imports msgraph, kiota and
azure.identity. `GraphCalendar` implements bot.coffee.ports.CalendarPort."""
