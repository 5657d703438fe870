// GOV.UK Frontend's enhancements; every page works without them.
import { initAll } from "./govuk-frontend-6.3.0/govuk-frontend.min.js";
initAll();
