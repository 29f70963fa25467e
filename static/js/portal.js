// Start GOV.UK Frontend's components. In production collectstatic rewrites the import to the
// library's hashed file name, so browsers may cache it for good.
import { initAll } from "../govuk-frontend/govuk-frontend.min.js";

initAll();
