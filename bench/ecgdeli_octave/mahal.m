function d = mahal(y, x)
  % Squared Mahalanobis distance of each row of Y from the sample X (covariance with n-1).
  mu = mean(x, 1);
  c = cov(x);
  yc = y - mu;
  d = sum((yc / c) .* yc, 2);
end
